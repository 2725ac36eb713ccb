#include "recognition/matcher.h"

#include <algorithm>
#include <cmath>

namespace argus {

const char* to_string(MatchReason r) {
  switch (r) {
    case MatchReason::Matched: return "matched";
    case MatchReason::BelowThreshold: return "below_threshold";
    case MatchReason::Ambiguous: return "ambiguous";
    case MatchReason::EmptyGallery: return "empty_gallery";
  }
  return "unknown";
}

MatchResult decide_match(std::span<const PersonHit> ranked, const MatchPolicy& policy) {
  MatchResult r;
  if (ranked.empty()) return r;
  r.candidate = ranked[0].person_id;
  r.similarity = ranked[0].score;
  if (ranked.size() > 1) r.second_best = ranked[1].score;
  if (r.similarity < policy.threshold) {
    r.reason = MatchReason::BelowThreshold;
  } else if (r.second_best && r.similarity - *r.second_best < policy.margin) {
    // Two enrolled people both look like this face: naming either one is a coin toss.
    r.reason = MatchReason::Ambiguous;
  } else {
    r.reason = MatchReason::Matched;
    r.person_id = r.candidate;
  }
  return r;
}

MatchResult match(const Gallery& gallery, std::span<const float> embedding, const MatchPolicy& policy) {
  const auto ranked = gallery.search(embedding, 2);
  return decide_match(ranked, policy);
}

void IdentityVote::add(std::optional<PersonId> person, float similarity, float quality) {
  ++total_n_;
  double q = std::isfinite(quality) ? std::clamp(quality, 0.0f, 1.0f) : 0.0;
  double s = std::isfinite(similarity) ? std::clamp(similarity, 0.0f, 1.0f) : 0.0;
  if (!person) {
    // An unknown frame votes with its quality alone: a sharp frontal face that matches
    // nobody is strong evidence against every candidate.
    unknown_weight_ += q;
    return;
  }
  auto& t = tallies_[*person];
  t.weight += q * s;
  t.sim_sum += s;
  t.best = std::max(t.best, static_cast<float>(s));
  ++t.n;
}

VoteResult IdentityVote::result() const {
  VoteResult r;
  r.total_observations = total_n_;
  double total = unknown_weight_;
  const std::pair<const PersonId, Tally>* best = nullptr;
  for (const auto& kv : tallies_) {
    total += kv.second.weight;
    if (!best || kv.second.weight > best->second.weight ||
        (kv.second.weight == best->second.weight && kv.first < best->first))
      best = &kv;
  }
  if (!best || total <= 0) return r;
  const Tally& t = best->second;
  r.share = static_cast<float>(t.weight / total);
  r.best_similarity = t.best;
  r.mean_similarity = static_cast<float>(t.sim_sum / t.n);
  r.observations = t.n;
  if (t.n >= opt_.min_observations && r.share >= opt_.min_share) r.person_id = best->first;
  return r;
}

void IdentityVote::reset() {
  tallies_.clear();
  unknown_weight_ = 0;
  total_n_ = 0;
}

}  // namespace argus
