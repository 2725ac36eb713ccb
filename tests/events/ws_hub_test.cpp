// WsHub's publishing, with an in-process connection in place of a socket: the point here is
// what the *publisher* (a camera's analysis thread) waits for, which a real client cannot
// show because its socket writes are already asynchronous. The protocol over real sockets
// is tested in live_server_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "events/ws_hub.h"
#include "obs/metrics.h"

using namespace std::chrono_literals;
using argus::Json;
using argus::events::HubConfig;
using argus::events::WsHub;

namespace {

// Records what the hub sends; while `hold` is set, a send waits until release() (a client
// whose delivery is slow, seen from the thread that delivers).
class HeldConnection final : public argus::api::WsConnection {
 public:
  void send_shared(std::shared_ptr<const std::string> msg, bool) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hold_; });
    Json j = Json::parse(*msg);
    types_.push_back(j.value("type", ""));
    messages_.push_back(j);
    if (j.value("type", "") == "detection_event") seqs_.push_back(j["data"].value("frame_seq", int64_t{-1}));
    cv_.notify_all();
  }
  void close(uint16_t) override {}
  void after(std::chrono::milliseconds, std::function<void()>) override {}  // the hub sets no deadlines
  bool is_open() const override { return true; }
  uint64_t dropped() const override { return 0; }
  const std::string& client() const override { return name_; }

  void hold() { std::lock_guard lock(mu_); hold_ = true; }
  void release() {
    { std::lock_guard lock(mu_); hold_ = false; }
    cv_.notify_all();
  }
  // Waits until `n` detection events arrived; returns their frame_seq values.
  std::vector<int64_t> wait_detections(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return seqs_.size() >= n; });
    return seqs_;
  }
  // Waits until `n` sends started (delivered or held).
  void wait_entered(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return entered_ >= n; });
  }
  std::vector<std::string> types() {
    std::lock_guard lock(mu_);
    return types_;
  }
  // The messages of `type` received so far, whole.
  std::vector<Json> messages(const std::string& type) {
    std::lock_guard lock(mu_);
    std::vector<Json> out;
    for (const auto& m : messages_)
      if (m.value("type", "") == type) out.push_back(m);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  size_t entered_ = 0;
  std::vector<std::string> types_;
  std::vector<Json> messages_;
  std::vector<int64_t> seqs_;
  std::string name_ = "in-process";
};

argus::auth::Principal admin() {
  argus::auth::Principal p;
  p.user_id = 1;
  p.username = "admin";
  p.role = argus::auth::Role::admin;
  return p;
}

struct HubFixture {
  explicit HubFixture(size_t publish_queue = 512) : hub(config(publish_queue), nullptr, nullptr, nullptr) {
    hub.start();
    hub.attach(conn, admin());
    conn->on_message(R"({"type":"subscribe","camera_id":7})", false);
  }
  static HubConfig config(size_t publish_queue) {
    HubConfig c;
    c.publish_queue = publish_queue;
    return c;
  }
  static Json detection(int64_t seq) { return Json{{"camera_id", 7}, {"frame_seq", seq}, {"detections", Json::array()}}; }
  std::shared_ptr<HeldConnection> conn = std::make_shared<HeldConnection>();
  WsHub hub;
};

double publish_dropped() {
  return argus::obs::Registry::global()
      .counter("argus_ws_publish_dropped_total",
               "Events not sent to WebSocket clients: the publisher queue was full or the hub stopped")
      .value();
}

}  // namespace

TEST(WsHub, PublishingDoesNotWaitForDelivery) {
  HubFixture f;
  f.conn->hold();
  // Before the publisher thread, this call went through every client itself; with a client
  // whose delivery is held it would not return until release().
  auto published = std::async(std::launch::async, [&] {
    for (int64_t seq = 1; seq <= 3; ++seq) f.hub.publish_detection(7, HubFixture::detection(seq));
  });
  EXPECT_EQ(published.wait_for(2s), std::future_status::ready) << "publish_detection waited for a client";
  f.conn->release();
  published.wait();
  EXPECT_EQ(f.conn->wait_detections(3), (std::vector<int64_t>{1, 2, 3}));
}

TEST(WsHub, EventsKeepTheOrderTheyWerePublishedIn) {
  HubFixture f;
  f.hub.publish_status(7, "live", "");
  f.hub.publish_detection(7, HubFixture::detection(1));
  f.hub.publish_track(7, "track_update", Json{{"best_confidence", 0.9}, {"person_id", nullptr}});
  f.hub.publish_detection(7, HubFixture::detection(2));
  f.conn->wait_detections(2);
  auto types = f.conn->types();
  // types[0..1]: connection_established, subscribed (sent on the caller's thread at once).
  ASSERT_EQ(types.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(types.begin() + 2, types.end()),
            (std::vector<std::string>{"camera_status_changed", "detection_event", "track_update", "detection_event"}));
}

TEST(WsHub, AFullPublishQueueDropsTheOldestAndCountsThem) {
  HubFixture f(2);
  f.conn->hold();
  f.hub.publish_detection(7, HubFixture::detection(1));
  // Sends 1 and 2 were connection_established and subscribed; the third is event 1, held:
  // the publisher took it off the queue, which is empty again.
  f.conn->wait_entered(3);
  double before = publish_dropped();
  for (int64_t seq = 2; seq <= 6; ++seq) f.hub.publish_detection(7, HubFixture::detection(seq));
  EXPECT_EQ(publish_dropped() - before, 3.0);  // 2, 3, 4 gave way to 5 and 6
  f.conn->release();
  EXPECT_EQ(f.conn->wait_detections(3), (std::vector<int64_t>{1, 5, 6}));
}

TEST(WsHub, StopDeliversWhatWasQueuedAndLaterEventsAreDropped) {
  HubFixture f;
  for (int64_t seq = 1; seq <= 20; ++seq) f.hub.publish_detection(7, HubFixture::detection(seq));
  f.hub.stop();
  EXPECT_EQ(f.conn->wait_detections(20).size(), 20u);
  double before = publish_dropped();
  f.hub.publish_detection(7, HubFixture::detection(21));
  EXPECT_EQ(publish_dropped() - before, 1.0);
  f.hub.start();  // a restarted hub publishes again
  f.hub.publish_detection(7, HubFixture::detection(22));
  EXPECT_EQ(f.conn->wait_detections(21).back(), 22);
}

TEST(WsHub, AMessageTypeThatIsNotAStringGetsAnErrorReply) {
  HubFixture f;
  f.conn->wait_entered(2);  // connection_established, subscribed
  size_t before = f.conn->types().size();
  // Json::value("type", "") threw on this; the client got no answer at all.
  EXPECT_NO_THROW(f.conn->on_message(R"({"type":5})", false));
  f.conn->wait_entered(before + 1);
  auto types = f.conn->types();
  ASSERT_EQ(types.size(), before + 1);
  EXPECT_EQ(types.back(), "error");
}

// Seed 001 §9.1.2: a subscription's filters decide what each client gets of the same events.
TEST(WsHub, SubscriptionFiltersByConfidenceAndByPerson) {
  WsHub hub(HubConfig{}, nullptr, nullptr, nullptr);
  hub.start();
  auto everything = std::make_shared<HeldConnection>();
  auto confident = std::make_shared<HeldConnection>();
  auto watchlist = std::make_shared<HeldConnection>();
  for (const auto& c : {everything, confident, watchlist}) hub.attach(c, admin());
  everything->on_message(R"({"type":"subscribe","camera_id":7})", false);
  confident->on_message(R"({"type":"subscribe","camera_id":7,"filters":{"min_confidence":0.7}})", false);
  watchlist->on_message(R"({"type":"subscribe","camera_id":7,"filters":{"person_ids":[12]}})", false);

  auto det = [](double conf, Json person) { return Json{{"confidence", conf}, {"person", person}}; };
  Json ada = {{"id", 12}, {"name", "Ada"}}, bob = {{"id", 13}, {"name", "Bob"}};
  hub.publish_detection(7, {{"camera_id", 7}, {"frame_seq", 1},
                            {"detections", {det(0.9, ada), det(0.65, nullptr), det(0.8, bob)}}});
  hub.publish_detection(7, {{"camera_id", 7}, {"frame_seq", 2}, {"detections", {det(0.95, nullptr)}}});
  hub.publish_track(7, "recognition_event", {{"person_id", 13}, {"best_confidence", 0.6}});
  hub.publish_track(7, "recognition_event", {{"person_id", 12}, {"best_confidence", 0.9}});
  hub.stop();  // delivers what was queued

  auto confidences = [](const Json& event) {
    std::vector<double> out;
    for (const auto& d : event["data"]["detections"]) out.push_back(d["confidence"].get<double>());
    return out;
  };
  auto all = everything->messages("detection_event");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(confidences(all[0]), (std::vector<double>{0.9, 0.65, 0.8}));
  EXPECT_EQ(everything->messages("recognition_event").size(), 2u);

  auto conf = confident->messages("detection_event");
  ASSERT_EQ(conf.size(), 2u);
  EXPECT_EQ(confidences(conf[0]), (std::vector<double>{0.9, 0.8}));
  EXPECT_EQ(confidences(conf[1]), (std::vector<double>{0.95}));
  EXPECT_EQ(conf[0]["data"]["frame_seq"], 1) << "the rest of the event is kept";
  auto conf_rec = confident->messages("recognition_event");
  ASSERT_EQ(conf_rec.size(), 1u);
  EXPECT_EQ(conf_rec[0]["data"]["person_id"], 12);

  // A person filter: only frames with those people, only their detections.
  auto watched = watchlist->messages("detection_event");
  ASSERT_EQ(watched.size(), 1u);
  ASSERT_EQ(watched[0]["data"]["detections"].size(), 1u);
  EXPECT_EQ(watched[0]["data"]["detections"][0]["person"]["id"], 12);
  auto watched_rec = watchlist->messages("recognition_event");
  ASSERT_EQ(watched_rec.size(), 1u);
  EXPECT_EQ(watched_rec[0]["data"]["person_id"], 12);
}
