// PushedFrames (src/pipeline/pushed_frames.h) without models or a server: synthetic faces
// through the per-camera tracker into a recording sink - track ids, one track per face over
// a sequence, ends after the idle time or at end_camera, nothing after stop().
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "pipeline/pushed_frames.h"

namespace argus {
namespace {

using namespace std::chrono_literals;

class RecordingSink final : public ResultSink {
 public:
  void on_frame_result(const FrameResult& r) override {
    std::lock_guard lock(mu_);
    frames_.push_back(r);
  }
  void on_track_event(CameraId camera, const TrackEvent& e) override {
    std::lock_guard lock(mu_);
    events_.emplace_back(camera, e);
  }
  std::vector<FrameResult> frames() {
    std::lock_guard lock(mu_);
    return frames_;
  }
  std::vector<std::pair<CameraId, TrackEvent>> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t count(TrackEvent::Type type) {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(std::count_if(events_.begin(), events_.end(), [&](const auto& e) { return e.second.type == type; }));
  }

 private:
  std::mutex mu_;
  std::vector<FrameResult> frames_;
  std::vector<std::pair<CameraId, TrackEvent>> events_;
};

Frame frame_now() {
  Frame f;
  f.bgr = cv::Mat(120, 160, CV_8UC3, cv::Scalar(0, 0, 0));
  f.received = SteadyClock::now();
  f.received_unix_ms = now_unix_ms();
  return f;
}

AnalysisResult one_face(float x = 40) {
  AnalysisResult a;
  FaceObservation o;
  o.box = RectF{x, 30, 40, 50};
  o.score = 0.95f;
  o.quality = 0.8f;
  a.faces.push_back(o);
  a.timings_ms["queue_ms"] = 1.5;
  return a;
}

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 3000ms) {
  auto end = SteadyClock::now() + limit;
  while (SteadyClock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

TEST(PushedFrames, SequenceBecomesOneTrackWithOffsetIdsAndEndsWhenPushesStop) {
  auto sink = std::make_shared<RecordingSink>();
  PushedFrames pushed(TrackerConfig{}, nullptr, sink, 300ms);
  pushed.start();
  auto first = pushed.process(7, frame_now(), one_face());
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0], 0u);  // tentative until min_hits (2) matches
  uint64_t id = 0;
  for (int i = 1; i < 4; ++i) {
    auto ids = pushed.process(7, frame_now(), one_face(40 + 2.0f * i));
    ASSERT_TRUE(ids);
    ASSERT_EQ(ids->size(), 1u);
    if (!id) id = (*ids)[0];
    EXPECT_EQ((*ids)[0], id) << "frame " << i;
  }
  EXPECT_EQ(id, PushedFrames::kTrackIdBase + 1);

  auto frames = sink->frames();
  ASSERT_EQ(frames.size(), 4u);
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].camera_id, 7);
    EXPECT_EQ(frames[i].seq, i + 1);
    EXPECT_EQ(frames[i].width, 160);
    EXPECT_TRUE(frames[i].timings_ms.count("track_ms"));
    EXPECT_TRUE(frames[i].timings_ms.count("total_ms"));
    EXPECT_EQ(frames[i].timings_ms.at("queue_ms"), 1.5);  // the caller's figures pass through
  }
  EXPECT_EQ(frames.back().faces.at(0).track_id, id);
  EXPECT_EQ(sink->count(TrackEvent::Type::kStarted), 1u);
  EXPECT_EQ(sink->count(TrackEvent::Type::kEnded), 0u);

  // No more frames: the reaper ends the track after the idle time.
  ASSERT_TRUE(eventually([&] { return sink->count(TrackEvent::Type::kEnded) == 1; }));
  auto ended = sink->events().back();
  EXPECT_EQ(ended.first, 7);
  EXPECT_EQ(ended.second.type, TrackEvent::Type::kEnded);
  EXPECT_EQ(ended.second.track_id, id);

  // The same face again later is a new track (a new visit), numbered on.
  pushed.process(7, frame_now(), one_face());
  auto again = pushed.process(7, frame_now(), one_face());
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0], PushedFrames::kTrackIdBase + 2);
}

TEST(PushedFrames, CamerasAreIndependentAndEndCameraEndsAtOnce) {
  auto sink = std::make_shared<RecordingSink>();
  PushedFrames pushed(TrackerConfig{}, nullptr, sink, 60s);
  pushed.start();
  for (int i = 0; i < 3; ++i) {
    pushed.process(1, frame_now(), one_face());
    pushed.process(2, frame_now(), one_face());
  }
  EXPECT_EQ(sink->count(TrackEvent::Type::kStarted), 2u);
  pushed.end_camera(1);
  auto events = sink->events();
  ASSERT_EQ(sink->count(TrackEvent::Type::kEnded), 1u);
  EXPECT_EQ(events.back().first, 1);
  pushed.end_camera(99);  // never pushed: nothing happens

  // stop() ends the rest; later frames are answered without tracking.
  pushed.stop();
  EXPECT_EQ(sink->count(TrackEvent::Type::kEnded), 2u);
  EXPECT_EQ(sink->events().back().first, 2);
  EXPECT_FALSE(pushed.process(2, frame_now(), one_face()));
  pushed.stop();  // idempotent
}

TEST(PushedFrames, FacelessFramesAndAFrameAfterTheGapStartAfresh) {
  auto sink = std::make_shared<RecordingSink>();
  // No reaper started: the gap check on arrival alone must end the old track.
  PushedFrames pushed(TrackerConfig{}, nullptr, sink, 100ms);
  for (int i = 0; i < 3; ++i) pushed.process(3, frame_now(), one_face());
  auto none = pushed.process(3, frame_now(), AnalysisResult{});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  std::this_thread::sleep_for(150ms);
  auto later = pushed.process(3, frame_now(), one_face());
  ASSERT_TRUE(later);
  EXPECT_EQ((*later)[0], 0u);  // tentative again: the old track did not continue
  EXPECT_EQ(sink->count(TrackEvent::Type::kEnded), 1u);
}

}  // namespace
}  // namespace argus
