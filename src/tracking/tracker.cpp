#include "tracking/tracker.h"

#include <algorithm>
#include <cmath>

#include "tracking/assignment.h"

namespace argus {

const char* to_string(TrackEvent::Type type) {
  switch (type) {
    case TrackEvent::Type::kStarted: return "track_started";
    case TrackEvent::Type::kIdentityAssigned: return "identity_assigned";
    case TrackEvent::Type::kIdentityChanged: return "identity_changed";
    case TrackEvent::Type::kEnded: return "track_ended";
  }
  return "unknown";
}

float cosine_distance(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.empty() || a.size() != b.size()) return 1.f;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  if (na <= 0 || nb <= 0) return 1.f;
  return static_cast<float>(1.0 - dot / std::sqrt(na * nb));
}

namespace {
constexpr float kInvalid = 1e6f;

std::vector<float> normalised(const std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += double(x) * x;
  n = std::sqrt(n);
  std::vector<float> out(v);
  if (n > 0)
    for (float& x : out) x = static_cast<float>(x / n);
  return out;
}
}  // namespace

Tracker::Tracker(TrackerConfig config, IdentityMatcher matcher) : cfg_(config), matcher_(std::move(matcher)) {}

size_t Tracker::active_tracks() const {
  return static_cast<size_t>(std::count_if(tracks_.begin(), tracks_.end(), [](const auto& t) { return t->confirmed; }));
}

void Tracker::predict(KalmanBoxFilter& kf, State state) {
  if (state == State::kLost) kf.damp_scale_velocity();  // a lost box keeps its size
  kf.predict();
}

RectF Tracker::predicted_box(const Track& t) {
  KalmanBoxFilter kf = t.kf;  // a copy: asking must not move the tracker
  predict(kf, t.state);
  return kf.box();
}

std::vector<std::vector<Tracker::Candidate>> Tracker::gated_pairs(const std::vector<Detection>& dets) const {
  std::vector<std::vector<Candidate>> pairs(tracks_.size());
  for (size_t r = 0; r < tracks_.size(); ++r) {
    const Track& t = *tracks_[r];
    RectF box = predicted_box(t);
    for (size_t c = 0; c < dets.size(); ++c) {
      const Detection& d = dets[c];
      // update()'s two stages: confident faces against every track, weak ones against
      // tracked (not lost) ones with the stricter IoU gate.
      bool high = d.score >= cfg_.high_score;
      if (!high && (d.score < cfg_.low_score || t.state != State::kTracked)) continue;
      float overlap = iou(box, d.box);
      if (overlap >= (high ? cfg_.match_iou : cfg_.low_match_iou)) pairs[r].push_back(Candidate{static_cast<int>(c), overlap});
    }
  }
  return pairs;
}

Tracker::Gating Tracker::gate(const std::vector<Detection>& dets) const {
  auto pairs = gated_pairs(dets);
  Gating g;
  g.claims.assign(dets.size(), 0);
  g.continued.assign(dets.size(), -1);
  std::vector<float> owner_iou(dets.size(), 0.f);
  std::vector<bool> contested(dets.size(), false);
  for (const auto& p : pairs)
    for (const auto& cand : p) ++g.claims[static_cast<size_t>(cand.det)];
  // The candidate owner of a face: a confirmed, tracked track for which it is the only face.
  for (size_t r = 0; r < tracks_.size(); ++r) {
    const Track& t = *tracks_[r];
    if (pairs[r].size() != 1 || !t.confirmed || t.state != State::kTracked) continue;
    auto c = static_cast<size_t>(pairs[r].front().det);
    if (g.continued[c] >= 0) contested[c] = true;
    g.continued[c] = static_cast<int>(r);
    owner_iou[c] = pairs[r].front().iou;
  }
  // Any other track that could take the face makes the pairing uncertain (the appearance cost
  // may decide), except a lost track for which this face is the only one and which overlaps
  // it less: by IoU alone update() gives the face to the owner and nothing else changes for
  // either. Lost tracks linger where their face was (max_lost frames), so in a crowd they
  // often lie over a neighbour's tracked face; embedding that face every frame only to
  // confirm the obvious was a third of the live embeddings on the benchmark clip.
  for (size_t r = 0; r < tracks_.size(); ++r)
    for (const auto& cand : pairs[r]) {
      auto c = static_cast<size_t>(cand.det);
      if (g.continued[c] < 0 || g.continued[c] == static_cast<int>(r)) continue;
      bool outweighed = tracks_[r]->state == State::kLost && pairs[r].size() == 1 && cand.iou < owner_iou[c];
      if (!outweighed) contested[c] = true;
    }
  for (size_t c = 0; c < dets.size(); ++c)
    if (contested[c]) g.continued[c] = -1;
  return g;
}

bool Tracker::would_vote(const Track& t, float quality) const {
  if (!matcher_ || quality < cfg_.min_quality) return false;
  if (t.identity.checks >= cfg_.max_identity_checks) return false;
  return t.identity.checks == 0 || quality >= t.identity.best_checked_quality + cfg_.recheck_quality_gain;
}

bool Tracker::needs_embedding(const Track& t, float quality, int64_t time_ms) const {
  if (!t.confirmed || t.state != State::kTracked || t.best.empty()) return true;  // new, tentative or back from lost
  if (time_ms - t.last_embedded_ms >= cfg_.embed_recheck_ms) return true;         // appearance refresh
  if (quality >= t.best.front().first + cfg_.recheck_quality_gain) return true;    // a better face to keep
  return would_vote(t, quality);                                                   // identity still open
}

std::vector<bool> Tracker::wants_embeddings(const std::vector<Detection>& dets, int64_t time_ms) const {
  std::vector<bool> wanted(dets.size(), true);
  if (cfg_.embed_recheck_ms <= 0) return wanted;
  auto g = gate(dets);
  // A face no track can take starts a tentative track at most. Its embedding would be read
  // only by a vote at birth (min_hits <= 1); otherwise the track's second face, the one that
  // confirms it, is embedded and voted on. Many such faces never get that far (flicker,
  // false detections), so this is where much of the saving is.
  for (size_t c = 0; c < dets.size(); ++c)
    if (g.claims[c] == 0) wanted[c] = cfg_.min_hits <= 1 && dets[c].score >= std::max(cfg_.high_score, cfg_.new_track_score);
  // Only a certain pairing can do without: with a real choice the appearance cost may decide,
  // so those faces keep their embeddings.
  for (size_t c = 0; c < dets.size(); ++c)
    if (g.continued[c] >= 0) wanted[c] = needs_embedding(*tracks_[static_cast<size_t>(g.continued[c])], dets[c].quality, time_ms);
  return wanted;
}

std::vector<TrackedDetection> Tracker::preview(const std::vector<Detection>& dets) const {
  std::vector<TrackedDetection> out(dets.size());
  for (size_t i = 0; i < dets.size(); ++i) {
    out[i].detection = static_cast<int>(i);
    out[i].smoothed_box = dets[i].box;  // the filter has not seen this frame yet
  }
  auto g = gate(dets);
  for (size_t c = 0; c < dets.size(); ++c) {
    if (g.continued[c] < 0) continue;
    const Track& t = *tracks_[static_cast<size_t>(g.continued[c])];
    out[c].track_id = t.id;
    out[c].confirmed = true;
    out[c].identity = t.identity.match;
  }
  return out;
}

float Tracker::cost(const Track& t, const Detection& d, bool use_appearance, float min_iou) const {
  float overlap = iou(t.kf.box(), d.box);
  if (overlap < min_iou) return kInvalid;
  float c = 1.f - overlap;
  if (use_appearance && cfg_.appearance_weight > 0 && !t.appearance.empty() && !d.embedding.empty()) {
    float dist = cosine_distance(t.appearance, d.embedding);
    if (dist > cfg_.max_appearance_distance) return kInvalid;  // overlapping, but someone else
    c = (1.f - cfg_.appearance_weight) * c + cfg_.appearance_weight * dist;
  }
  return c;
}

TrackEvent Tracker::make_event(TrackEvent::Type type, const Track& t, int64_t time_ms) const {
  TrackEvent e;
  e.type = type;
  e.track_id = t.id;
  e.time_ms = time_ms;
  e.first_seen_ms = t.first_seen_ms;
  e.last_seen_ms = t.last_seen_ms;
  e.last_box = t.last_box;
  e.hits = t.hits;
  e.best_quality = t.best.empty() ? 0.f : t.best.front().first;
  e.identity = t.identity.match;
  if (!t.best.empty()) e.best_embedding = t.best.front().second;
  return e;
}

void Tracker::on_match(Track& t, const Detection& d, int64_t time_ms, TrackerOutput& out, int det_index) {
  t.kf.update(d.box);
  t.last_box = d.box;
  t.last_seen_ms = time_ms;
  t.lost = 0;
  ++t.hits;
  if (t.state == State::kLost) t.state = State::kTracked;
  if (!d.embedding.empty()) {
    t.last_embedded_ms = time_ms;
    auto e = normalised(d.embedding);
    if (t.appearance.size() != e.size()) {
      t.appearance = e;
    } else {
      for (size_t i = 0; i < e.size(); ++i)
        t.appearance[i] = cfg_.embedding_momentum * t.appearance[i] + (1 - cfg_.embedding_momentum) * e[i];
      t.appearance = normalised(t.appearance);
    }
    // Keep the best few embeddings by quality: the sighting writer and re-checks use them.
    t.best.emplace_back(d.quality, d.embedding);
    std::stable_sort(t.best.begin(), t.best.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (t.best.size() > cfg_.keep_embeddings) t.best.resize(cfg_.keep_embeddings);
  }
  if (!t.confirmed && (t.hits >= cfg_.min_hits)) {
    t.confirmed = true;
    t.state = State::kTracked;
    t.id = next_id_++;
    out.events.push_back(make_event(TrackEvent::Type::kStarted, t, time_ms));
  }
  if (t.confirmed) vote_identity(t, d, time_ms, out);
  auto& td = out.detections[static_cast<size_t>(det_index)];
  td.track_id = t.id;
  td.confirmed = t.confirmed;
  td.smoothed_box = t.kf.box();
  td.identity = t.identity.match;
}

namespace {
// Leader among known people (0 when nobody known has a vote) and its weight.
PersonId vote_leader(const std::map<PersonId, float>& votes, float* weight) {
  PersonId leader = 0;
  float best = 0;
  for (const auto& [pid, w] : votes)
    if (pid != 0 && w > best) {
      best = w;
      leader = pid;
    }
  *weight = best;
  return leader;
}

float vote_weight(float quality, const std::optional<IdentityMatch>& match) {
  return quality * (match ? std::max(match->score, 0.01f) : 0.5f);
}
}  // namespace

void Tracker::vote_identity(Track& t, const Detection& d, int64_t time_ms, TrackerOutput& out) {
  // Recognise once, then only when a clearly better face arrives: the gallery search is the
  // expensive part and a per-frame search would also flicker between near matches.
  if (d.embedding.empty() || !would_vote(t, d.quality)) return;
  auto match = matcher_(d.embedding);
  ++t.identity.checks;
  t.identity.generation = generation_;
  t.identity.best_checked_quality = std::max(t.identity.best_checked_quality, d.quality);
  t.votes[match ? match->person_id : 0] += vote_weight(d.quality, match);
  // "Unknown" votes never take an identity away once assigned.
  decide_identity(t, match, false, time_ms, out);
}

void Tracker::revote_identity(Track& t, uint64_t generation, int64_t time_ms, TrackerOutput& out) {
  t.identity.generation = generation;
  std::map<PersonId, float> votes;
  std::map<PersonId, IdentityMatch> best_answer;  // highest score per person
  for (const auto& [quality, embedding] : t.best) {
    if (quality < cfg_.min_quality) continue;
    auto match = matcher_(embedding);
    votes[match ? match->person_id : 0] += vote_weight(quality, match);
    if (match && (!best_answer.count(match->person_id) || match->score > best_answer[match->person_id].score))
      best_answer[match->person_id] = *match;
  }
  if (votes.empty()) return;  // nothing good enough to look up (cannot happen after a check)
  t.votes = std::move(votes);
  float weight = 0;
  PersonId leader = vote_leader(t.votes, &weight);
  std::optional<IdentityMatch> leader_match;
  if (leader != 0) leader_match = best_answer[leader];
  decide_identity(t, leader_match, true, time_ms, out);
}

void Tracker::decide_identity(Track& t, const std::optional<IdentityMatch>& match, bool may_forget, int64_t time_ms,
                              TrackerOutput& out) {
  float best = 0;
  PersonId leader = vote_leader(t.votes, &best);
  auto current = t.identity.match;
  if (leader == 0) {
    if (!may_forget || !current) return;
    t.identity.match.reset();  // the gallery no longer knows this face (person or photos deleted)
    auto e = make_event(TrackEvent::Type::kIdentityChanged, t, time_ms);
    e.previous_identity = current;
    out.events.push_back(std::move(e));
    return;
  }
  if (current && current->person_id == leader) {
    // Better evidence, or a fresh answer from the changed gallery (its score and label).
    if (match && match->person_id == leader && (may_forget || match->score > current->score)) t.identity.match = match;
    return;
  }
  if (!current && t.votes[0] > best) return;  // mostly unknown so far: wait for more evidence
  std::optional<IdentityMatch> leader_match;
  if (match && match->person_id == leader) leader_match = match;
  else leader_match = IdentityMatch{leader, 0.f, {}};
  t.identity.match = leader_match;
  auto e = make_event(current ? TrackEvent::Type::kIdentityChanged : TrackEvent::Type::kIdentityAssigned, t, time_ms);
  e.previous_identity = current;
  out.events.push_back(std::move(e));
}

TrackerOutput Tracker::update(const std::vector<Detection>& dets, int64_t time_ms) {
  TrackerOutput out;
  out.detections.resize(dets.size());
  for (size_t i = 0; i < dets.size(); ++i) {
    out.detections[i].detection = static_cast<int>(i);
    out.detections[i].smoothed_box = dets[i].box;
  }
  // Re-identification: the gallery changed (enrolment, deletion) since a track was last
  // checked. Before association, so this frame's detections already carry the new identity.
  generation_ = matcher_ ? matcher_.generation() : 0;
  for (auto& t : tracks_)
    if (t->confirmed && t->identity.checks > 0 && t->identity.generation != generation_)
      revote_identity(*t, generation_, time_ms, out);
  for (auto& t : tracks_) predict(t->kf, t->state);
  std::vector<int> high, low;
  for (size_t i = 0; i < dets.size(); ++i) {
    if (dets[i].score >= cfg_.high_score) high.push_back(static_cast<int>(i));
    else if (dets[i].score >= cfg_.low_score) low.push_back(static_cast<int>(i));
  }
  // Stage 1: every track against the confident detections, IoU + appearance.
  std::vector<int> pool(tracks_.size());
  for (size_t i = 0; i < pool.size(); ++i) pool[i] = static_cast<int>(i);
  std::vector<std::vector<float>> c1(pool.size(), std::vector<float>(high.size()));
  for (size_t r = 0; r < pool.size(); ++r)
    for (size_t c = 0; c < high.size(); ++c)
      c1[r][c] = cost(*tracks_[static_cast<size_t>(pool[r])], dets[static_cast<size_t>(high[c])], true, cfg_.match_iou);
  auto a1 = solve_assignment(c1, high.size(), 1.f);
  for (auto [r, c] : a1.matches) on_match(*tracks_[static_cast<size_t>(pool[r])], dets[static_cast<size_t>(high[c])], time_ms, out, high[c]);
  // Stage 2 (the ByteTrack idea): tracks still unmatched and not already lost take the
  // low-score detections by IoU alone, so a face that blurs or turns keeps its track.
  std::vector<int> pool2;
  for (int r : a1.unmatched_rows)
    if (tracks_[static_cast<size_t>(pool[r])]->state == State::kTracked) pool2.push_back(pool[r]);
  std::vector<std::vector<float>> c2(pool2.size(), std::vector<float>(low.size()));
  for (size_t r = 0; r < pool2.size(); ++r)
    for (size_t c = 0; c < low.size(); ++c)
      c2[r][c] = cost(*tracks_[static_cast<size_t>(pool2[r])], dets[static_cast<size_t>(low[c])], false, cfg_.low_match_iou);
  auto a2 = solve_assignment(c2, low.size(), 1.f);
  std::vector<bool> matched(tracks_.size(), false);
  for (auto [r, c] : a1.matches) matched[static_cast<size_t>(pool[r])] = true;
  for (auto [r, c] : a2.matches) {
    matched[static_cast<size_t>(pool2[r])] = true;
    on_match(*tracks_[static_cast<size_t>(pool2[r])], dets[static_cast<size_t>(low[c])], time_ms, out, low[c]);
  }
  // Unmatched tracks: tentative ones die at once, confirmed ones are kept for max_lost frames.
  for (size_t i = 0; i < tracks_.size(); ++i) {
    if (matched[i]) continue;
    auto& t = *tracks_[i];
    if (!t.confirmed) {
      t.lost = cfg_.max_lost + 1;
      continue;
    }
    t.state = State::kLost;
    ++t.lost;
    if (t.lost > cfg_.max_lost) out.events.push_back(make_event(TrackEvent::Type::kEnded, t, time_ms));
  }
  std::erase_if(tracks_, [&](const auto& t) { return t->lost > cfg_.max_lost; });
  // Births: confident detections nobody claimed.
  for (int c : a1.unmatched_cols) {
    const auto& d = dets[static_cast<size_t>(high[c])];
    if (d.score < cfg_.new_track_score) continue;
    auto t = std::make_unique<Track>(d.box);
    t->first_seen_ms = time_ms;
    on_match(*t, d, time_ms, out, high[c]);
    tracks_.push_back(std::move(t));
  }
  return out;
}

std::vector<TrackEvent> Tracker::flush(int64_t time_ms) {
  std::vector<TrackEvent> events;
  for (const auto& t : tracks_)
    if (t->confirmed) events.push_back(make_event(TrackEvent::Type::kEnded, *t, time_ms));
  tracks_.clear();
  return events;
}

}  // namespace argus
