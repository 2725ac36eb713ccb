#include "api/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <array>
#include <deque>

#include "obs/metrics.h"

namespace argus::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

std::map<std::string, std::string> parse_query(std::string_view q);

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
             std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else out += s[i];
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    auto eq = part.find('=');
    if (!part.empty()) out[url_decode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
struct HttpServer::Impl {
  ServerConfig cfg;
  RequestHandler& handler;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};
  std::mutex mu;
  std::condition_variable cv;
  struct StreamThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<StreamThread> stream_threads;  // MJPEG and other streamed responses; finished ones reaped
  std::vector<std::weak_ptr<WsConnection>> websockets;
  size_t ws_max = 4 << 20;
  size_t ws_queue = 256;

  Impl(const ServerConfig& c, RequestHandler& h) : cfg(c), handler(h) {}
  void accept();
};

namespace {

// ----- WebSocket --------------------------------------------------------------------------
class WsSession final : public WsConnection {
 public:
  WsSession(tcp::socket&& sock, std::string client, size_t max_msg, size_t queue_limit)
      : ws_(std::move(sock)), client_(std::move(client)), queue_limit_(queue_limit) {
    ws_.read_message_max(max_msg);
  }

  void run(http::request<http::string_body> req, std::function<void(std::shared_ptr<WsConnection>)> on_open) {
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = std::chrono::seconds(30);  // pings after 15 s idle, closes after 30 s silent
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "argus");
    }));
    auto self = std::static_pointer_cast<WsSession>(shared_from_this());
    ws_.async_accept(req, [self, on_open = std::move(on_open)](beast::error_code ec) {
      if (ec) return;
      self->open_ = true;
      on_open(self);
      self->read();
    });
  }

  void send_shared(std::shared_ptr<const std::string> msg, bool binary) override {
    if (msg) enqueue(std::move(msg), binary);
  }
  void close(uint16_t code) override {
    auto self = std::static_pointer_cast<WsSession>(shared_from_this());
    net::post(ws_.get_executor(), [self, code] {
      if (!self->open_) return;
      self->open_ = false;
      self->ws_.async_close(websocket::close_reason(code), [self](beast::error_code) {});
    });
  }
  bool is_open() const override { return open_; }
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    // Weak: a connection that closes before the deadline is freed at once, not when it passes.
    std::weak_ptr<WsSession> weak = std::static_pointer_cast<WsSession>(shared_from_this());
    auto timer = std::make_shared<net::steady_timer>(ws_.get_executor(), delay);
    timer->async_wait([weak, timer, fn = std::move(fn)](beast::error_code ec) {
      auto self = weak.lock();
      if (!ec && self && self->open_ && fn) fn();
    });
  }
  uint64_t dropped() const override { return dropped_; }
  const std::string& client() const override { return client_; }

 private:
  void enqueue(std::shared_ptr<const std::string> msg, bool binary) {
    if (!open_) return;
    auto self = std::static_pointer_cast<WsSession>(shared_from_this());
    net::post(ws_.get_executor(), [self, msg = std::move(msg), binary]() mutable {
      if (self->queue_.size() >= self->queue_limit_) {
        // Drop the oldest queued message (not the one being written) so a slow client only
        // ever misses stale data; counted for /metrics.
        if (self->queue_.size() > 1) self->queue_.erase(self->queue_.begin() + 1);
        ++self->dropped_;
        obs::Registry::global().counter("argus_ws_messages_dropped_total", "WebSocket messages dropped for slow clients").inc();
      }
      self->queue_.push_back({std::move(msg), binary});
      if (self->queue_.size() == 1) self->write_next();
    });
  }
  void write_next() {
    if (queue_.empty() || !open_) return;
    ws_.binary(queue_.front().second);
    auto self = std::static_pointer_cast<WsSession>(shared_from_this());
    ws_.async_write(net::buffer(*queue_.front().first), [self](beast::error_code ec, size_t) {
      if (ec) { self->fail(); return; }
      self->queue_.pop_front();
      self->write_next();
    });
  }
  void read() {
    auto self = std::static_pointer_cast<WsSession>(shared_from_this());
    ws_.async_read(buffer_, [self](beast::error_code ec, size_t) {
      if (ec) {
        if (ec == websocket::error::message_too_big) {
          obs::Registry::global().counter("argus_ws_oversized_messages_total", "WebSocket messages over the size limit").inc();
          self->ws_.async_close(websocket::close_code::too_big, [self](beast::error_code) { self->fail(); });
          return;
        }
        self->fail();
        return;
      }
      std::string msg = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->on_message) {
        try {
          self->on_message(msg, self->ws_.got_binary());
        } catch (const std::exception& e) {
          spdlog::warn("websocket handler error: {}", e.what());
        }
      }
      self->read();
    });
  }
  void fail() {
    bool was_open = open_.exchange(false);
    queue_.clear();
    if (!closed_notified_.exchange(true) && on_close) on_close();
    (void)was_open;
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::string client_;
  size_t queue_limit_;
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::shared_ptr<const std::string>, bool>> queue_;  // bytes, binary
  std::atomic<bool> open_{false};
  std::atomic<bool> closed_notified_{false};
  std::atomic<uint64_t> dropped_{0};
};

// ----- streamed responses (MJPEG) -----------------------------------------------------------
class SocketStreamWriter final : public StreamWriter {
 public:
  SocketStreamWriter(tcp::socket& sock, const std::atomic<bool>& stopping) : sock_(sock), stopping_(stopping) {}
  bool write(const std::string& bytes) override {
    if (stopping_ || !ok_) return false;
    beast::error_code ec;
    net::write(sock_, net::buffer(bytes), ec);
    ok_ = !ec;
    return ok_;
  }
  bool open() const override { return ok_ && !stopping_; }

 private:
  tcp::socket& sock_;
  const std::atomic<bool>& stopping_;
  bool ok_ = true;
};

// ----- plain HTTP ----------------------------------------------------------------------------
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& sock, HttpServer::Impl& srv) : stream_(std::move(sock)), srv_(srv) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    client_ = ec ? "unknown" : ep.address().to_string();
  }
  void run() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(srv_.cfg.max_header_bytes));
    // The most any route allows; on_header narrows it to this request's limit.
    parser_->body_limit(srv_.handler.largest_body_limit(static_cast<std::uint64_t>(srv_.cfg.max_body_bytes)));
    stream_.expires_after(std::chrono::seconds(srv_.cfg.read_timeout_s));
    // Headers first, so a route may allow a larger body (video uploads) before it is read.
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    auto server_limit = static_cast<std::uint64_t>(srv_.cfg.max_body_bytes);
    std::uint64_t limit = server_limit;
    if (!websocket::is_upgrade(parser_->get())) {
      Request head = make_request(parser_->get());
      limit = std::max(server_limit, srv_.handler.body_limit(head, server_limit));
    }
    auto declared = parser_->content_length();
    if (declared && *declared > limit) return on_read(http::error::body_limit);
    parser_->body_limit(limit);  // chunked bodies are counted as they arrive
    // A large body may take a while: allow at least 1 MiB/s on top of the usual timeout.
    if (limit > server_limit) stream_.expires_after(std::chrono::seconds(srv_.cfg.read_timeout_s + static_cast<int64_t>(limit >> 20)));
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec2, size_t) { self->on_read(ec2); });
  }

  Request make_request(const http::request<http::string_body>& msg) const {
    Request req;
    req.raw = &msg;
    req.method = msg.method();
    std::string_view target(msg.target().data(), msg.target().size());
    auto qpos = target.find('?');
    req.path = std::string(target.substr(0, qpos));
    if (qpos != std::string_view::npos) req.query = parse_query(target.substr(qpos + 1));
    req.client = client_;
    return req;
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted) return close();
    if (ec == http::error::body_limit) return send_error_and_close(413, "PAYLOAD_TOO_LARGE", "Request body is larger than the limit");
    if (ec == http::error::header_limit) return send_error_and_close(431, "HEADERS_TOO_LARGE", "Request headers are larger than the limit");
    if (ec) return send_error_and_close(400, "BAD_REQUEST", "Malformed HTTP request");

    auto msg = parser_->release();
    Request req = make_request(msg);

    if (websocket::is_upgrade(msg)) {
      auto outcome = srv_.handler.upgrade(req);
      if (auto* resp = std::get_if<Response>(&outcome)) return send(std::move(*resp), false, msg.version());
      auto on_open = std::get<0>(std::move(outcome));
      auto ws = std::make_shared<WsSession>(stream_.release_socket(), client_, srv_.ws_max, srv_.ws_queue);
      {
        std::lock_guard lock(srv_.mu);
        srv_.websockets.push_back(ws);
      }
      ws->run(std::move(msg), std::move(on_open));
      return;
    }

    ++srv_.in_flight;
    Response resp = srv_.handler.handle(req);
    bool keep_alive = msg.keep_alive() && !srv_.draining;
    if (req.method == http::verb::head) resp.body.clear();
    --srv_.in_flight;
    srv_.cv.notify_all();
    if (resp.stream) return start_stream(std::move(resp));
    send(std::move(resp), keep_alive, msg.version());
  }

  void send(Response resp, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(resp.status), version);
    res->set(http::field::server, "argus");
    res->set(http::field::content_type, resp.content_type);
    res->set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : resp.headers) res->set(k, v);
    res->body() = std::move(resp.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(srv_.cfg.read_timeout_s));
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) return self->close();
      self->read();
    });
  }

  void send_error_and_close(unsigned status, const std::string& code, const std::string& message) {
    send(json_error(status, code, message), false, 11);
  }

  void start_stream(Response resp) {
    // Streamed bodies (MJPEG) run on their own thread with a blocking socket: they are few,
    // long-lived and paced by the camera, so they should not occupy the request pool.
    std::string head = "HTTP/1.1 " + std::to_string(resp.status) + " OK\r\nServer: argus\r\nContent-Type: " + resp.content_type +
                       "\r\nCache-Control: no-cache, no-store\r\nConnection: close\r\n";
    for (auto& [k, v] : resp.headers) head += k + ": " + v + "\r\n";
    head += "\r\n";
    stream_.expires_never();
    auto sock = std::make_shared<tcp::socket>(stream_.release_socket());
    std::lock_guard lock(srv_.mu);
    for (auto it = srv_.stream_threads.begin(); it != srv_.stream_threads.end();) {
      if (*it->done) {
        it->thread.join();
        it = srv_.stream_threads.erase(it);
      } else {
        ++it;
      }
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    srv_.stream_threads.push_back({std::thread([sock, head, done, fn = std::move(resp.stream), &srv = srv_] {
      SocketStreamWriter w(*sock, srv.draining);
      if (w.write(head)) {
        try {
          fn(w);
        } catch (const std::exception& e) {
          spdlog::warn("stream ended with error: {}", e.what());
        }
      }
      beast::error_code ec;
      sock->shutdown(tcp::socket::shutdown_both, ec);
      sock->close(ec);
      *done = true;
    }), done});
  }

  // Half-closes, then reads and discards what the client still sends (the rest of a refused
  // body: 413) until it closes too, for at most kLingerSeconds. Closing with unread data makes
  // the kernel answer with a reset, which can destroy the response before the client reads it:
  // an upload over the limit then failed with "connection reset" instead of a 413.
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    stream_.expires_after(std::chrono::seconds(kLingerSeconds));
    linger(std::make_shared<std::array<char, 16384>>());
  }
  void linger(std::shared_ptr<std::array<char, 16384>> sink) {
    stream_.async_read_some(net::buffer(*sink), [self = shared_from_this(), sink](beast::error_code ec, size_t) {
      if (!ec) self->linger(sink);
    });
  }
  static constexpr int kLingerSeconds = 5;

  beast::tcp_stream stream_;
  HttpServer::Impl& srv_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string client_;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket sock) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      // Live messages are small and come in bursts (a provisional detection_event, then the
      // complete one tens of ms later): with Nagle the second waited for the client's delayed
      // ACK (result -> subscriber 30 ms p95 in ws_bench latency; 4 ms with no_delay).
      beast::error_code opt_ec;
      sock.set_option(tcp::no_delay(true), opt_ec);
      std::make_shared<HttpSession>(std::move(sock), *this)->run();
    }
    if (!draining) accept();
  });
}

HttpServer::HttpServer(const ServerConfig& cfg, RequestHandler& handler) : impl_(std::make_unique<Impl>(cfg, handler)) {}

HttpServer::~HttpServer() { stop(); }

unsigned short HttpServer::start() {
  impl_->ws_max = ws_max_message_bytes;
  impl_->ws_queue = ws_queue_limit;
  auto addr = net::ip::make_address(impl_->cfg.host);
  tcp::endpoint ep(addr, static_cast<unsigned short>(impl_->cfg.port));
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(net::socket_base::max_listen_connections);
  unsigned short port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  int n = impl_->cfg.threads > 0 ? impl_->cfg.threads : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()) * 2);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return port;
}

void HttpServer::stop() {
  if (!impl_ || impl_->threads.empty()) return;
  impl_->draining = true;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  {
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait_for(lock, std::chrono::seconds(impl_->cfg.shutdown_grace_s), [&] { return impl_->in_flight == 0; });
    for (auto& w : impl_->websockets)
      if (auto ws = w.lock()) ws->close();
  }
  // Streams notice `draining` on their next write; give them a moment, then stop the loop.
  std::list<Impl::StreamThread> streams;
  {
    std::lock_guard lock(impl_->mu);
    streams.swap(impl_->stream_threads);
  }
  for (auto& s : streams) s.thread.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace argus::api
