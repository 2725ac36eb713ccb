#include "recognition/matcher.h"

#include <gtest/gtest.h>

using namespace argus;

TEST(Matcher, DecideCases) {
  MatchPolicy p{0.5f, 0.05f};
  EXPECT_EQ(decide_match({}, p).reason, MatchReason::EmptyGallery);

  std::vector<PersonHit> one = {{7, 0.8f, 70}};
  auto m = decide_match(one, p);
  EXPECT_TRUE(m.matched());
  EXPECT_EQ(m.person_id, 7);
  EXPECT_FALSE(m.second_best);

  std::vector<PersonHit> clear = {{7, 0.8f, 70}, {8, 0.6f, 80}};
  m = decide_match(clear, p);
  EXPECT_EQ(m.reason, MatchReason::Matched);
  EXPECT_EQ(m.person_id, 7);
  EXPECT_FLOAT_EQ(*m.second_best, 0.6f);

  std::vector<PersonHit> close = {{7, 0.8f, 70}, {8, 0.78f, 80}};
  m = decide_match(close, p);
  EXPECT_EQ(m.reason, MatchReason::Ambiguous);
  EXPECT_FALSE(m.person_id);
  EXPECT_EQ(m.candidate, 7);

  std::vector<PersonHit> low = {{7, 0.45f, 70}, {8, 0.1f, 80}};
  m = decide_match(low, p);
  EXPECT_EQ(m.reason, MatchReason::BelowThreshold);
  EXPECT_FALSE(m.person_id);
  EXPECT_FLOAT_EQ(m.similarity, 0.45f);
  EXPECT_STREQ(to_string(m.reason), "below_threshold");

  // Exactly at threshold matches; margin 0 disables the margin rule.
  std::vector<PersonHit> edge = {{7, 0.5f, 70}, {8, 0.5f, 80}};
  EXPECT_TRUE(decide_match(edge, MatchPolicy{0.5f, 0.0f}).matched());
}

TEST(Matcher, MatchThroughGalleryUsesPersonsNotEmbeddings) {
  GalleryOptions opt;
  opt.dim = 4;
  Gallery g("e", opt);
  // Person 1 has two near-identical embeddings; the margin must compare against person 2,
  // not against person 1's second embedding.
  ASSERT_TRUE(g.add(1, 1, std::vector<float>{1, 0, 0, 0}));
  ASSERT_TRUE(g.add(2, 1, std::vector<float>{0.99f, 0.1f, 0, 0}));
  ASSERT_TRUE(g.add(3, 2, std::vector<float>{0, 1, 0, 0}));
  auto m = match(g, std::vector<float>{1, 0.05f, 0, 0}, MatchPolicy{0.5f, 0.1f});
  EXPECT_EQ(m.reason, MatchReason::Matched);
  EXPECT_EQ(m.person_id, 1);
  ASSERT_TRUE(m.second_best);
  EXPECT_LT(*m.second_best, 0.2f);
  auto u = match(g, std::vector<float>{0, 0, 1, 0}, MatchPolicy{0.5f, 0.1f});
  EXPECT_EQ(u.reason, MatchReason::BelowThreshold);
}

TEST(IdentityVote, QualityWeightedVote) {
  IdentityVote v;
  EXPECT_FALSE(v.result().person_id);
  v.add(PersonId(1), 0.8f, 1.0f);
  EXPECT_FALSE(v.result().person_id) << "one observation is not enough";
  v.add(PersonId(1), 0.7f, 0.9f);
  auto r = v.result();
  ASSERT_TRUE(r.person_id);
  EXPECT_EQ(*r.person_id, 1);
  EXPECT_EQ(r.observations, 2);
  EXPECT_FLOAT_EQ(r.best_similarity, 0.8f);
  // Many blurry frames of person 2 do not outvote sharp frames of person 1.
  for (int i = 0; i < 6; ++i) v.add(PersonId(2), 0.6f, 0.1f);
  r = v.result();
  EXPECT_EQ(r.person_id, 1);
  EXPECT_EQ(r.total_observations, 8);
}

TEST(IdentityVote, MostlyUnknownStaysUnknown) {
  IdentityVote v;
  v.add(PersonId(1), 0.6f, 0.5f);
  v.add(PersonId(1), 0.6f, 0.5f);
  for (int i = 0; i < 5; ++i) v.add(std::nullopt, 0.2f, 0.9f);
  auto r = v.result();
  EXPECT_FALSE(r.person_id);
  EXPECT_LT(r.share, 0.5f);
  v.reset();
  EXPECT_EQ(v.observations(), 0);
  MatchResult m;
  m.reason = MatchReason::Matched;
  m.person_id = 3;
  m.similarity = 0.9f;
  v.add(m, 1.0f);
  v.add(m, 1.0f);
  EXPECT_EQ(v.result().person_id, 3);
}
