#pragma once
// InferencePool: N threads shared by all cameras. Each camera has a Lane: a small ring of
// its newest decoded frames (full ring: the OLDEST frame is dropped and counted). A worker
// picks lanes round-robin, at most one frame per lane per 1/fps_limit seconds, always the
// newest one (older frames are counted as skipped). When a lane's slot comes and its newest
// frame arrived before the slot began, the worker waits (up to half a period) for the next
// frame instead: taking the stale one added its age, up to one source frame interval (40 ms
// at 25 fps), to the latency of every detection. A lane is never processed by two
// workers at once, so per-camera state (the tracker) needs no lock. Decoder threads only
// take a short mutex in offer(); analysis never runs under it, so one camera's slow
// analysis or stalled source never blocks another camera's decoding.
//
// Detection slots (LaneStats::missed): a lane's time is cut into 1/fps_limit periods from
// its first analysis (re-cut when the lane re-syncs or its fps_limit changes). A slot is
// missed when it passed with a frame waiting but no analysis of that camera started in it
// (the pool was busy): the measure of an overloaded pool. `skipped` is different: frames
// not sampled because of fps_limit, which is normal.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/types.h"
#include "ingest/frame.h"

namespace argus {

class InferencePool {
 public:
  using Processor = std::function<void(Frame&&)>;
  struct LaneStats {
    uint64_t offered = 0, dropped = 0, skipped = 0, processed = 0;
    uint64_t missed = 0;  // detection slots with a frame waiting but no analysis started
  };
  class Lane;
 private:
  // Passkey: only the pool creates lanes, but through make_shared (no naked new).
  struct Key {
    explicit Key() = default;
  };

 public:
  class Lane {
   public:
    Lane(Key, InferencePool* pool, CameraId camera, double fps, size_t capacity, Processor p)
        : pool_(pool), camera_(camera), period_(period_for(fps)), capacity_(capacity ? capacity : 1), process_(std::move(p)) {}
    // From the camera's decoder thread. Never blocks beyond a short mutex.
    void offer(Frame frame);
    void set_fps_limit(double fps);  // <= 0: as fast as the pool allows
    LaneStats stats() const;
    CameraId camera_id() const { return camera_; }

   private:
    friend class InferencePool;
    static SteadyClock::duration period_for(double fps);
    // Under pool_->mu_: when this lane may be picked (time_point::max() when it has no frame).
    SteadyClock::time_point ready_at() const;
    void count_slots(SteadyClock::time_point now);  // at each pick, under pool_->mu_
    InferencePool* pool_;
    CameraId camera_;
    // Guarded by pool_->mu_.
    SteadyClock::duration period_;
    size_t capacity_;
    std::deque<Frame> ring_;
    SteadyClock::time_point next_due_{};
    SteadyClock::time_point slot0_{}, waiting_since_{};  // slot grid origin; first frame since the last pick
    SteadyClock::time_point newest_at_{};                // arrival of ring_.back()
    uint64_t slot_ = 0;                                  // slot of the last pick
    bool busy_ = false, removed_ = false;
    LaneStats stats_;
    Processor process_;
  };

  // threads <= 0: one per core (hardware_concurrency), at least 1. spread_slots: a lane's
  // first slot goes to the middle of the widest gap between the other lanes' (of the same
  // fps_limit) next slots, so cameras started together do not all analyse at the same moment.
  explicit InferencePool(int threads, bool spread_slots = false);
  ~InferencePool();
  InferencePool(const InferencePool&) = delete;
  InferencePool& operator=(const InferencePool&) = delete;

  std::shared_ptr<Lane> add_lane(CameraId camera, double fps_limit, size_t ring_capacity, Processor processor);
  // Detaches the lane and waits for its in-flight frame (if any) to finish; queued frames
  // are discarded. Must not be called from a Processor.
  void remove_lane(const std::shared_ptr<Lane>& lane);
  int threads() const { return static_cast<int>(workers_.size()); }
  uint64_t processor_exceptions() const;

 private:
  void worker();
  void place_first_slot(Lane& lane, SteadyClock::time_point now);  // under mu_
  const bool spread_slots_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // work available / lane idle
  std::vector<std::shared_ptr<Lane>> lanes_;
  size_t cursor_ = 0;                // round-robin position
  bool stop_ = false;
  uint64_t exceptions_ = 0;
  std::vector<std::thread> workers_;  // last member: joined in the destructor
};

}  // namespace argus
