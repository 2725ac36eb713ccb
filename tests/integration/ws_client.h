#pragma once
// A WebSocket client for the integration tests (Beast over a real socket) whose every read
// has a deadline, so a missing message fails the test instead of hanging it.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "integration/argus_server.h"

namespace argus_test {

// A blocking-looking WebSocket client whose every read has a deadline (async op + run_for).
class WsClient {
 public:
  struct Msg {
    bool ok = false;  // false: timeout or closed
    bool binary = false;
    std::string data;
    Json json() const { return Json::parse(data, nullptr, false); }
  };

  // bearer: sent as "Authorization: Bearer ..." with the upgrade request (empty: none).
  WsClient(int port, const std::string& path, int rcvbuf = 0, const std::string& bearer = "") : ws_(ioc_) {
    boost::asio::ip::tcp::resolver res(ioc_);
    auto& sock = boost::beast::get_lowest_layer(ws_);
    sock.open(boost::asio::ip::tcp::v4());
    if (rcvbuf > 0) sock.set_option(boost::asio::socket_base::receive_buffer_size(rcvbuf));
    sock.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    if (!bearer.empty())
      ws_.set_option(boost::beast::websocket::stream_base::decorator([bearer](boost::beast::websocket::request_type& req) {
        req.set(boost::beast::http::field::authorization, "Bearer " + bearer);
      }));
    ws_.handshake("127.0.0.1:" + std::to_string(port), path);
  }
  ~WsClient() {
    boost::beast::error_code ec;
    boost::beast::get_lowest_layer(ws_).close(ec);
  }
  void send(const Json& j) { ws_.write(boost::asio::buffer(j.dump())); }
  void send_text(const std::string& t) { ws_.write(boost::asio::buffer(t)); }
  void send_binary(const std::string& b) {
    ws_.binary(true);
    ws_.write(boost::asio::buffer(b));
    ws_.binary(false);
  }
  Msg read(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    Msg m;
    bool done = false;
    boost::beast::error_code err;
    buf_.clear();
    ws_.async_read(buf_, [&](boost::beast::error_code ec, size_t) {
      done = true;
      err = ec;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      // Deadline: abandon the socket (a cancelled websocket read cannot be resumed).
      boost::beast::error_code ec;
      boost::beast::get_lowest_layer(ws_).cancel(ec);
      ioc_.restart();
      ioc_.run();
      closed_ = timed_out_ = true;
      return m;
    }
    if (err) {
      closed_ = true;
      return m;
    }
    m.ok = true;
    m.binary = ws_.got_binary();
    m.data = boost::beast::buffers_to_string(buf_.data());
    return m;
  }
  // Reads until pred matches (true) or the deadline passes / the socket closes (false).
  bool read_until(const std::function<bool(const Msg&)>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      Msg m = read(left);
      if (!m.ok) return false;
      if (pred(m)) return true;
    }
    return false;
  }
  bool read_type(const std::string& type, Json* out = nullptr, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    return read_until([&](const Msg& m) {
      if (m.binary) return false;
      Json j = m.json();
      if (!j.is_object() || j.value("type", "") != type) return false;
      if (out) *out = j;
      return true;
    }, timeout);
  }
  bool closed() const { return closed_; }
  // The last failed read ran out of time (rather than the peer closing).
  bool timed_out() const { return timed_out_; }

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buf_;
  bool closed_ = false;
  bool timed_out_ = false;
};

}  // namespace argus_test
