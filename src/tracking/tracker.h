#pragma once
// Per-camera multi-object tracker (ByteTrack-style two-stage association over Kalman
// predictions, optional appearance cost) with a per-track identity vote. One Tracker per
// camera; not thread-safe: the pipeline runs a camera's frames one at a time.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/types.h"
#include "tracking/kalman.h"

namespace argus {

struct TrackerConfig {
  float high_score = 0.6f;       // stage 1 detections; below go to stage 2
  float low_score = 0.1f;        // ignored below this
  float new_track_score = 0.7f;  // an unmatched detection starts a track only above this
  float match_iou = 0.3f;        // stage 1 gate on IoU(predicted track box, detection)
  float low_match_iou = 0.5f;    // stage 2 gate (low-score detections, IoU only)
  // Appearance: cost = (1-w)*(1-IoU) + w*cosine_distance when both sides have embeddings.
  // 0 disables. Pairs with cosine distance above max_appearance_distance never match.
  float appearance_weight = 0.5f;
  float max_appearance_distance = 0.7f;
  float embedding_momentum = 0.9f;  // track appearance = EMA of detection embeddings
  int min_hits = 2;   // consecutive matches before a track is confirmed (emits kStarted)
  int max_lost = 30;  // analysed frames a confirmed track survives unmatched (occlusion)
  // Identity vote.
  size_t keep_embeddings = 5;         // best-quality embeddings kept per track
  float min_quality = 0.3f;           // faces below are never sent to the matcher
  float recheck_quality_gain = 0.05f; // re-check when quality beats the best checked one by this
  int max_identity_checks = 10;       // matcher calls per track at most
  // Embedding skipping (wants_embeddings): a face that clearly continues a settled track is
  // still embedded this often, so the track's appearance follows slow changes (light, pose)
  // and a swap of people under one box is caught within this time. <= 0: embed every face.
  int64_t embed_recheck_ms = 2000;
};

struct Detection {
  RectF box;
  float score = 0;
  std::vector<float> embedding;  // empty: no appearance/identity for this detection
  float quality = 0;             // face quality 0..1 (blur, pose, size)
};

struct IdentityMatch {
  PersonId person_id = 0;
  float score = 0;  // similarity from the matcher
  std::string label;
};
// Gallery lookup: nullopt when nobody matches above the matcher's threshold (unknown).
// Optionally paired with the gallery's generation (a counter bumped on every enrolment,
// image removal or person deletion): when it moves, the tracker re-runs the identity vote of
// every confirmed track with the track's kept best embeddings, so a person enrolled while
// standing in view is named, and a deleted person's track falls back to unknown. Both
// functions are called from pool threads: thread-safe and cheap (generation() once per
// analysed frame).
class IdentityMatcher {
 public:
  using MatchFn = std::function<std::optional<IdentityMatch>(const std::vector<float>& embedding)>;
  using GenerationFn = std::function<uint64_t()>;

  IdentityMatcher() = default;
  IdentityMatcher(std::nullptr_t) {}  // NOLINT: "no matcher", as with std::function
  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, IdentityMatcher> && std::is_constructible_v<MatchFn, F>)
  IdentityMatcher(F&& match) : match_(std::forward<F>(match)) {}  // NOLINT: a plain lookup converts
  IdentityMatcher(MatchFn match, GenerationFn generation) : match_(std::move(match)), generation_(std::move(generation)) {}

  explicit operator bool() const { return static_cast<bool>(match_); }
  std::optional<IdentityMatch> operator()(const std::vector<float>& embedding) const { return match_(embedding); }
  // 0 when the gallery does not report changes (no re-identification).
  uint64_t generation() const { return generation_ ? generation_() : 0; }

 private:
  MatchFn match_;
  GenerationFn generation_;
};

struct TrackIdentity {
  std::optional<IdentityMatch> match;  // nullopt: unknown (so far)
  int checks = 0;                      // matcher calls made (re-identification not counted)
  float best_checked_quality = -1;
  uint64_t generation = 0;             // gallery generation of the last check
};

struct TrackedDetection {
  int detection = -1;     // index into the input detections
  uint64_t track_id = 0;  // 0 while the track is tentative (not yet confirmed)
  bool confirmed = false;
  RectF smoothed_box;     // Kalman-filtered box
  std::optional<IdentityMatch> identity;
};

struct TrackEvent {
  enum class Type { kStarted, kIdentityAssigned, kIdentityChanged, kEnded };
  Type type;
  uint64_t track_id = 0;
  int64_t time_ms = 0;
  int64_t first_seen_ms = 0, last_seen_ms = 0;
  RectF last_box;
  int hits = 0;
  float best_quality = 0;
  std::optional<IdentityMatch> identity;            // current identity
  std::optional<IdentityMatch> previous_identity;   // for kIdentityChanged
  std::vector<float> best_embedding;                // highest-quality embedding seen (may be empty)
};
const char* to_string(TrackEvent::Type type);

struct TrackerOutput {
  std::vector<TrackedDetection> detections;  // one per input detection, same order
  std::vector<TrackEvent> events;
};

class Tracker {
 public:
  explicit Tracker(TrackerConfig config = {}, IdentityMatcher matcher = nullptr);
  TrackerOutput update(const std::vector<Detection>& detections, int64_t time_ms);
  // Ends every track (camera stopped): kEnded for each confirmed one.
  std::vector<TrackEvent> flush(int64_t time_ms);
  // Asked before the embeddings of a frame are computed (detections carry box, score and
  // quality, no embedding): one flag per detection, false where the embedding would change
  // nothing. Either the face surely continues one confirmed, currently tracked track (same
  // gating as update(): the track's only candidate, and no other track could take it but lost
  // ones that overlap it less and have no other candidate), whose identity vote would not run on it (settled:
  // identified, or unknown after its checks), that has a kept embedding at least as good
  // (within recheck_quality_gain) and got one within embed_recheck_ms; or no track can take
  // it and a track born from it would not be confirmed at once (min_hits > 1: the face
  // that confirms it is embedded). Skipped faces still associate by IoU in update() and
  // carry their track's identity. Does not change the tracker.
  std::vector<bool> wants_embeddings(const std::vector<Detection>& detections, int64_t time_ms) const;
  // What update() should say for each detection, asked before it (the pipeline asks right
  // after detection; box and score only, the same gating as wants_embeddings): a face that
  // surely continues one confirmed, currently tracked track gets that track's id
  // and current identity; any other face track 0 and no identity (update() may still give it
  // one: the face that confirms a tentative track, or appearance choosing between candidates).
  // Certain for the faces wants_embeddings() skips (unless the gallery changed, which update()
  // applies first); provisional for the others, whose embedding can still veto the pairing or
  // change the identity. Lets the pipeline publish boxes before landmarks and embeddings.
  // Does not change the tracker.
  std::vector<TrackedDetection> preview(const std::vector<Detection>& detections) const;
  size_t active_tracks() const;  // confirmed, currently matched or lost-but-alive
  void set_matcher(IdentityMatcher matcher) { matcher_ = std::move(matcher); }

 private:
  enum class State { kTentative, kTracked, kLost };
  struct Track {
    uint64_t id = 0;  // 0 until confirmed
    State state = State::kTentative;
    KalmanBoxFilter kf;
    int hits = 0, lost = 0;
    bool confirmed = false;
    int64_t first_seen_ms = 0, last_seen_ms = 0;
    int64_t last_embedded_ms = 0;  // last match that brought an embedding
    RectF last_box;
    std::vector<float> appearance;  // EMA, L2-normalised
    std::vector<std::pair<float, std::vector<float>>> best;  // (quality, embedding), best first
    TrackIdentity identity;
    std::map<PersonId, float> votes;  // 0 = unknown
    explicit Track(const RectF& b) : kf(b) {}
  };

  // One Kalman step to this frame, as association sees the track.
  static void predict(KalmanBoxFilter& kf, State state);
  static RectF predicted_box(const Track& t);
  // The detections update() could associate with each track (gates only, no assignment).
  struct Candidate {
    int det = 0;
    float iou = 0;  // with the track's predicted box
  };
  std::vector<std::vector<Candidate>> gated_pairs(const std::vector<Detection>& dets) const;
  // What is certain about a frame's association before update() runs, for each detection:
  // how many tracks could take it, and the track it surely continues (index into tracks_, or
  // -1): a confirmed, tracked track with this face as its only candidate, which no other
  // track can take from it whatever the embeddings say (see gate()).
  struct Gating {
    std::vector<int> claims;
    std::vector<int> continued;
  };
  Gating gate(const std::vector<Detection>& dets) const;
  // Whether a face of this quality matched to t would be sent to the matcher.
  bool would_vote(const Track& t, float quality) const;
  bool needs_embedding(const Track& t, float quality, int64_t time_ms) const;
  float cost(const Track& t, const Detection& d, bool use_appearance, float min_iou) const;
  void on_match(Track& t, const Detection& d, int64_t time_ms, TrackerOutput& out, int det_index);
  void vote_identity(Track& t, const Detection& d, int64_t time_ms, TrackerOutput& out);
  // The gallery changed since t's last check: vote again from scratch over t's kept
  // embeddings (not limited by max_identity_checks); unknown when nobody matches any more.
  void revote_identity(Track& t, uint64_t generation, int64_t time_ms, TrackerOutput& out);
  // Picks the identity from t.votes; `match` is the latest matcher answer (for its score).
  // `may_forget`: an all-unknown vote takes an assigned identity away (re-identification).
  void decide_identity(Track& t, const std::optional<IdentityMatch>& match, bool may_forget, int64_t time_ms,
                       TrackerOutput& out);
  TrackEvent make_event(TrackEvent::Type type, const Track& t, int64_t time_ms) const;

  TrackerConfig cfg_;
  IdentityMatcher matcher_;
  uint64_t generation_ = 0;  // the matcher's gallery generation, read once per update()
  std::vector<std::unique_ptr<Track>> tracks_;
  uint64_t next_id_ = 1;
};

float cosine_distance(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace argus
