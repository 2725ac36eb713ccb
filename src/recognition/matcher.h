#pragma once
// Match policy on top of Gallery::search(): threshold per recogniser (the caller passes the
// recogniser's calibrated cosine threshold, e.g. ~0.28 for fr_feature, ~0.91 for face-api
// ResNet-128), a margin between the best and the second-best PERSON, "unknown" otherwise.
// Plus IdentityVote, which turns a track's per-frame matches into one identity.
#include <cstddef>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/types.h"
#include "recognition/gallery.h"

namespace argus {

struct MatchPolicy {
  float threshold = 0.5f;  // best similarity must be >= this
  float margin = 0.05f;    // best - second_best must be >= this (config vision.match_margin)
};

enum class MatchReason {
  Matched,         // above threshold and clear of the runner-up
  BelowThreshold,  // best person under the threshold: unknown
  Ambiguous,       // above threshold but within `margin` of another person: unknown
  EmptyGallery,    // nobody enrolled (or invalid query): unknown
};
const char* to_string(MatchReason r);

struct MatchResult {
  std::optional<PersonId> person_id;   // set only when reason == Matched
  std::optional<PersonId> candidate;   // best person whatever the decision (for logs/UI)
  float similarity = 0;                // best person's score (0 when none)
  std::optional<float> second_best;    // second person's score, if any
  MatchReason reason = MatchReason::EmptyGallery;
  bool matched() const { return reason == MatchReason::Matched; }
};

// Decision on persons already ranked best-first (Gallery::search output, k >= 2).
MatchResult decide_match(std::span<const PersonHit> ranked, const MatchPolicy& policy);

// Search + decide. Thread-safe (as Gallery::search).
MatchResult match(const Gallery& gallery, std::span<const float> embedding, const MatchPolicy& policy);

// Per-track identity vote. Feed it every recognition attempt of the track (matched or not);
// weight = quality (detector score x sharpness x pose, whatever the caller has, in [0,1]) x
// similarity. The winning person needs at least `min_observations` matches and at least
// `min_share` of the total weight, unknown observations included; so three confident frames
// of A outvote ten blurry frames of B, and a track that is mostly "unknown" stays unknown.
// Not thread-safe: one instance per track, owned by the tracker.
struct VoteOptions {
  int min_observations = 2;
  float min_share = 0.5f;
};

struct VoteResult {
  std::optional<PersonId> person_id;
  float share = 0;            // winner's fraction of the total weight
  float best_similarity = 0;  // winner's best single similarity
  float mean_similarity = 0;  // winner's mean similarity over its observations
  int observations = 0;       // winner's observation count
  int total_observations = 0;
};

class IdentityVote {
 public:
  explicit IdentityVote(VoteOptions opt = {}) : opt_(opt) {}
  // person empty = the frame was recognised as unknown.
  void add(std::optional<PersonId> person, float similarity, float quality);
  void add(const MatchResult& m, float quality) { add(m.person_id, m.similarity, quality); }
  VoteResult result() const;
  int observations() const { return total_n_; }
  void reset();

 private:
  struct Tally {
    double weight = 0;
    double sim_sum = 0;
    float best = 0;
    int n = 0;
  };
  VoteOptions opt_;
  std::unordered_map<PersonId, Tally> tallies_;
  double unknown_weight_ = 0;
  int total_n_ = 0;
};

}  // namespace argus
