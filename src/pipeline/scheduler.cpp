#include "pipeline/scheduler.h"

#include <spdlog/spdlog.h>

#include <pthread.h>

#include <algorithm>

namespace argus {

SteadyClock::duration InferencePool::Lane::period_for(double fps) {
  if (fps <= 0) return SteadyClock::duration::zero();
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(1.0 / fps));
}

void InferencePool::Lane::offer(Frame frame) {
  auto now = SteadyClock::now();
  {
    std::lock_guard lock(pool_->mu_);
    if (removed_) return;
    ++stats_.offered;
    if (waiting_since_ == SteadyClock::time_point{}) waiting_since_ = now;
    if (ring_.size() >= capacity_) {
      ring_.pop_front();
      ++stats_.dropped;
    }
    ring_.push_back(std::move(frame));
    newest_at_ = now;
  }
  pool_->cv_.notify_one();
}

SteadyClock::time_point InferencePool::Lane::ready_at() const {
  if (ring_.empty()) return SteadyClock::time_point::max();
  if (next_due_ == SteadyClock::time_point{} || newest_at_ >= next_due_) return next_due_;
  return next_due_ + period_ / 2;  // stale: a fresh frame (offer() notifies) or this, whichever first
}

void InferencePool::Lane::set_fps_limit(double fps) {
  {
    std::lock_guard lock(pool_->mu_);
    period_ = period_for(fps);
    next_due_ = {};
    slot0_ = {};
  }
  pool_->cv_.notify_all();
}

void InferencePool::Lane::count_slots(SteadyClock::time_point now) {
  auto waited = waiting_since_;
  waiting_since_ = {};
  if (period_ <= SteadyClock::duration::zero()) return;  // no fps_limit: no slots
  if (slot0_ == SteadyClock::time_point{}) {
    // The grid starts at the first slot's due time where it has one (a spread lane's placed
    // slot, picked up to a frame interval later): from the pick instead, every later pick
    // that came sooner after its due time would land in the slot before its own and the
    // one after it would look missed.
    slot0_ = next_due_ != SteadyClock::time_point{} && next_due_ <= now ? next_due_ : now;
    slot_ = 0;
    return;
  }
  auto slot_of = [&](SteadyClock::time_point t) {
    return t <= slot0_ ? uint64_t{0} : static_cast<uint64_t>((t - slot0_) / period_);
  };
  // Slots after the last pick's, from the one in which a frame was waiting, up to (not
  // including) this pick's: nothing started in them.
  uint64_t k = slot_of(now), first = std::max(slot_ + 1, slot_of(waited));
  if (k > first) stats_.missed += k - first;
  slot_ = std::max(slot_, k);
}

InferencePool::LaneStats InferencePool::Lane::stats() const {
  std::lock_guard lock(pool_->mu_);
  return stats_;
}

InferencePool::InferencePool(int threads, bool spread_slots) : spread_slots_(spread_slots) {
  // One per core: decoding runs on the cameras' own threads and never waits for analysis (the
  // rings drop), so leaving a core to decoding only idled it (docs/benchmarks.md: 2 -> 3
  // cameras held on 2 cores).
  if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  workers_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { worker(); });
}

InferencePool::~InferencePool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

std::shared_ptr<InferencePool::Lane> InferencePool::add_lane(CameraId camera, double fps, size_t capacity, Processor p) {
  auto lane = std::make_shared<Lane>(Key{}, this, camera, fps, capacity, std::move(p));
  std::lock_guard lock(mu_);
  lanes_.push_back(lane);
  return lane;
}

void InferencePool::remove_lane(const std::shared_ptr<Lane>& lane) {
  if (!lane) return;
  std::unique_lock lock(mu_);
  lane->removed_ = true;
  lane->stats_.dropped += lane->ring_.size();  // discarded unanalysed: every offered frame is accounted for
  lane->ring_.clear();
  std::erase(lanes_, lane);
  cv_.wait(lock, [&] { return !lane->busy_; });
}

uint64_t InferencePool::processor_exceptions() const {
  std::lock_guard lock(mu_);
  return exceptions_;
}

void InferencePool::place_first_slot(Lane& lane, SteadyClock::time_point now) {
  const auto period = lane.period_;
  if (period <= SteadyClock::duration::zero()) return;
  // Where the other lanes of this rate are due next, as offsets from now within one period.
  std::vector<SteadyClock::duration> offsets;
  for (const auto& other : lanes_) {
    if (other.get() == &lane || other->period_ != period || other->next_due_ == SteadyClock::time_point{}) continue;
    auto d = (other->next_due_ - now) % period;
    offsets.push_back(d < SteadyClock::duration::zero() ? d + period : d);
  }
  if (offsets.empty()) return;  // the first lane starts at once
  std::sort(offsets.begin(), offsets.end());
  // The middle of the widest gap between consecutive due times, on a circle of one period.
  auto best_start = offsets.back(), best_gap = offsets.front() + period - offsets.back();
  for (size_t i = 1; i < offsets.size(); ++i)
    if (auto gap = offsets[i] - offsets[i - 1]; gap > best_gap) best_gap = gap, best_start = offsets[i - 1];
  lane.next_due_ = now + (best_start + best_gap / 2) % period;
}

void InferencePool::worker() {
  pthread_setname_np(pthread_self(), "argus-infer");  // per-thread CPU in top -H and the benches
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto now = SteadyClock::now();
    std::shared_ptr<Lane> pick;
    auto earliest = SteadyClock::time_point::max();
    const size_t n = lanes_.size();
    for (size_t k = 0; k < n; ++k) {
      size_t idx = (cursor_ + k) % n;
      auto& lane = lanes_[idx];
      if (lane->busy_ || lane->ring_.empty()) continue;
      if (spread_slots_ && lane->next_due_ == SteadyClock::time_point{}) place_first_slot(*lane, now);
      if (auto ready = lane->ready_at(); now < ready) {
        earliest = std::min(earliest, ready);
        continue;
      }
      pick = lane;
      cursor_ = (idx + 1) % n;  // next search starts after this lane: round-robin fairness
      break;
    }
    if (!pick) {
      if (earliest == SteadyClock::time_point::max()) cv_.wait(lock);
      else cv_.wait_until(lock, earliest);
      continue;
    }
    Frame frame = std::move(pick->ring_.back());
    pick->stats_.skipped += pick->ring_.size() - 1;
    pick->ring_.clear();
    pick->busy_ = true;
    pick->count_slots(now);
    // Sample at fps_limit: the next slot is one period after the previous one, re-synced
    // when the camera fell behind by more than a period (no catch-up bursts).
    auto base = pick->next_due_ == SteadyClock::time_point{} ? now : pick->next_due_;
    pick->next_due_ = base + pick->period_;
    if (pick->next_due_ + pick->period_ < now) {
      pick->next_due_ = now;
      pick->slot0_ = now;  // the slot grid follows the re-sync
      pick->slot_ = 0;
    }
    lock.unlock();
    bool failed = false;
    try {
      pick->process_(std::move(frame));
    } catch (const std::exception& e) {
      failed = true;
      spdlog::warn("camera {}: frame processing failed: {}", pick->camera_, e.what());
    } catch (...) {
      failed = true;
    }
    lock.lock();
    pick->busy_ = false;
    ++pick->stats_.processed;
    if (failed) ++exceptions_;
    cv_.notify_all();  // remove_lane may wait for this lane; another worker may take it now
  }
}

}  // namespace argus
