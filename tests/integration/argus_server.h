#pragma once
// Starts the real build/argus serve on an ephemeral port with a temporary data directory and
// talks HTTP to it with libcurl: the integration tests' only way in, as a user's would be.
#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

// A server that does not exit cleanly after SIGTERM is a test failure; a program that is not a
// GoogleTest binary (bench/ws) defines ARGUS_SERVER_NO_GTEST and gets a line on stderr instead.
#ifndef ARGUS_SERVER_NO_GTEST
#include <gtest/gtest.h>
#define ARGUS_SERVER_REPORT(text) ADD_FAILURE() << (text)
#else
#define ARGUS_SERVER_REPORT(text) std::fprintf(stderr, "%s\n", std::string(text).c_str())
#endif

namespace argus_test {

using Json = nlohmann::json;

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  Json json() const {
    auto j = Json::parse(body, nullptr, false);
    return j.is_discarded() ? Json() : j;
  }
};

class HttpClient {
 public:
  explicit HttpClient(int port) : base_("http://127.0.0.1:" + std::to_string(port)) {}

  HttpResult request(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::vector<std::string>& headers = {}, const std::string& token = "") {
    CURL* c = curl_easy_init();
    HttpResult r;
    std::string url = base_ + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (!body.empty() || method == "POST" || method == "PUT") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_slist* hl = nullptr;
    for (const auto& h : headers) hl = curl_slist_append(hl, h.c_str());
    if (!token.empty()) hl = curl_slist_append(hl, ("Authorization: Bearer " + token).c_str());
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &HttpClient::on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &HttpClient::on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return r;
  }

  HttpResult get(const std::string& path, const std::string& token = "") { return request("GET", path, "", {}, token); }
  HttpResult del(const std::string& path, const std::string& token = "") { return request("DELETE", path, "", {}, token); }
  HttpResult post_json(const std::string& path, const Json& body, const std::string& token = "") {
    return request("POST", path, body.dump(), {"Content-Type: application/json"}, token);
  }
  HttpResult put_json(const std::string& path, const Json& body, const std::string& token = "") {
    return request("PUT", path, body.dump(), {"Content-Type: application/json"}, token);
  }

  // libcurl header callback: lower-case name -> value into a std::map (get_some uses it too).
  static size_t on_header(char* p, size_t s, size_t n, void* ud) {
    std::string line(p, s * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string k = line.substr(0, colon), v = line.substr(colon + 1);
      for (auto& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      while (!v.empty() && v.front() == ' ') v.erase(v.begin());
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
      (*static_cast<std::map<std::string, std::string>*>(ud))[k] = v;
    }
    return s * n;
  }

 private:
  static size_t on_body(char* p, size_t s, size_t n, void* ud) {
    static_cast<std::string*>(ud)->append(p, s * n);
    return s * n;
  }
  std::string base_;
};

class ArgusServer {
 public:
  // extra: more command-line arguments, e.g. {"--set", "auth.access_ttl_s=2"}.
  explicit ArgusServer(std::vector<std::string> extra = {}, const std::string& data_dir = "") : extra_(std::move(extra)) {
    data_ = data_dir.empty() ? dir_.path() + "/data" : data_dir;
    start();
  }
  ~ArgusServer() { stop_and_check(); }
  ArgusServer(const ArgusServer&) = delete;
  ArgusServer& operator=(const ArgusServer&) = delete;

  void start() {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    std::string bin = binary();
    // One warm-up run per model: tests start many servers and do not read the latency figures.
    std::vector<std::string> args = {bin, "serve", "--data", data_, "--port", "0", "--host", "127.0.0.1", "--log-level", "warn",
                                     "--set", "vision.warmup_runs=1"};
    for (auto& e : extra_) args.push_back(e);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[1024];
    port_ = 0;
    while (fgets(line, sizeof line, f)) {
      std::string s(line);
      auto pos = s.find("listening on http://127.0.0.1:");
      if (pos != std::string::npos) {
        port_ = std::stoi(s.substr(pos + 30));
        break;
      }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    drain_ = std::thread([f] {
      char buf[4096];
      while (fgets(buf, sizeof buf, f)) {}
      fclose(f);
    });
    if (port_ == 0) {
      stop(SIGKILL);
      throw std::runtime_error("argus did not start (is build/argus built?)");
    }
  }

  // SIGTERM: graceful; SIGKILL: crash. Returns the exit status.
  int stop(int sig) {
    int status = -1;
    if (pid_ > 0) {
      kill(pid_, sig);
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (drain_.joinable()) drain_.join();
    return status;
  }
  void restart() {
    stop_and_check();
    start();
  }
  // SIGTERM, and a test failure unless the server exits 0: a crash while shutting down, or a
  // sanitizer's report (LeakSanitizer exits 23 after printing it to this test's stderr), would
  // otherwise pass unseen, since the tests only talk to the server over sockets.
  void stop_and_check() {
    if (pid_ <= 0) return;
    int status = stop(SIGTERM);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    ARGUS_SERVER_REPORT(WIFEXITED(status)
                            ? "argus serve exited with status " + std::to_string(WEXITSTATUS(status)) + " after SIGTERM"
                            : "argus serve ended by signal " + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : -1) +
                                  " after SIGTERM");
  }

  int port() const { return port_; }
  const std::string& data_dir() const { return data_; }
  HttpClient client() const { return HttpClient(port_); }
  std::string admin_password() const {
    std::ifstream in(data_ + "/initial-admin-password");
    std::string pw;
    std::getline(in, pw);
    return pw;
  }
  std::string login(const std::string& user, const std::string& password) const {
    auto r = client().post_json("/api/v1/auth/login", {{"username", user}, {"password", password}});
    if (r.status != 200) throw std::runtime_error("login failed: " + r.body);
    return r.json()["data"]["token"];
  }
  std::string admin_token() const { return login("admin", admin_password()); }
  // Creates a user with `role` (through the API, as admin) and returns a token for it.
  std::string token_for_role(const std::string& role, const std::string& admin_token) const {
    std::string name = role + "_user";
    client().post_json("/api/v1/users", {{"username", name}, {"password", "password-" + role}, {"role", role}}, admin_token);
    return login(name, "password-" + role);
  }

  static std::string binary() {
    const char* env = std::getenv("ARGUS_BIN");
    return env && *env ? env : std::string(ARGUS_BINARY_DIR) + "/argus";
  }

 private:
  TempDir dir_;
  std::string data_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::thread drain_;
};

}  // namespace argus_test
