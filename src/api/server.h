#pragma once
// The HTTP/1.1 + WebSocket server (Boost.Beast on an Asio thread pool). It owns sockets,
// limits and timeouts; what a request means is the RequestHandler's business.
#include <atomic>
#include <condition_variable>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "api/http_types.h"
#include "core/config.h"

namespace argus::api {

class WsConnection;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual Response handle(Request& req) = 0;
  // For an upgrade request: the callback to run once the WebSocket is open, or an error
  // response (401, 404...) to send instead.
  virtual std::variant<std::function<void(std::shared_ptr<WsConnection>)>, Response> upgrade(Request& req) = 0;
  // Per-request body limits (server_limit is server.max_body_bytes): body_limit() is decided
  // once a request's headers are in, before its body is read (req.body() is still empty);
  // largest_body_limit() is the most it can ever return.
  virtual uint64_t body_limit(Request& req, uint64_t server_limit) {
    (void)req;
    return server_limit;
  }
  virtual uint64_t largest_body_limit(uint64_t server_limit) { return server_limit; }
};

// One accepted WebSocket. Sends are queued (bounded, oldest dropped and counted) and written
// by the connection's own strand, so a slow client never blocks the sender.
class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  virtual ~WsConnection() = default;
  void send_text(std::string msg) { send_shared(std::make_shared<const std::string>(std::move(msg)), false); }
  void send_binary(std::string msg) { send_shared(std::make_shared<const std::string>(std::move(msg)), true); }
  // The same bytes queued for many clients (fan-out, video) by reference, not copied per client.
  virtual void send_shared(std::shared_ptr<const std::string> msg, bool binary) = 0;
  // Closes with a WebSocket close code (1001 going away; 4401 for failed authentication).
  virtual void close(uint16_t code = 1001) = 0;
  virtual bool is_open() const = 0;
  // Runs `fn` on the connection's executor after `delay` if the connection is still open then
  // (a deadline, e.g. for a client that has to authenticate in-band).
  virtual void after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  virtual uint64_t dropped() const = 0;
  virtual const std::string& client() const = 0;
  // Set before the first message arrives (inside the upgrade callback).
  std::function<void(const std::string& msg, bool binary)> on_message;
  std::function<void()> on_close;
};

class HttpServer {
 public:
  HttpServer(const ServerConfig& cfg, RequestHandler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the worker threads; returns the bound port (useful with port 0).
  unsigned short start();
  // Graceful: stop accepting, let in-flight requests finish (up to shutdown_grace_s), close
  // streams and WebSockets, join threads.
  void stop();
  size_t ws_max_message_bytes = 4 << 20;
  size_t ws_queue_limit = 256;

  struct Impl;  // public so the connection classes in server.cpp can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace argus::api
