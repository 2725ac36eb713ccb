#pragma once
// Typed parser for the recognition keys of the config tree's "vision" section
// (Config::tree; core leaves subsystem sections to their owners):
//   vision.hnsw_above            gallery size above which HNSW replaces exact search
//   vision.match_margin          best person must beat the second-best by this much
//   vision.recognition_threshold 0 = the recogniser's own calibrated threshold
#include "core/json.h"
#include "core/result.h"
#include "recognition/gallery.h"
#include "recognition/matcher.h"

namespace argus {

struct RecognitionConfig {
  GalleryOptions gallery;             // dim is per embedder; set by GallerySet::get_or_create
  float recognition_threshold = 0.0f; // 0 = use the recogniser's own
  float match_margin = 0.05f;

  // The policy for one recogniser whose calibrated threshold is `recogniser_threshold`.
  MatchPolicy policy_for(float recogniser_threshold) const {
    return MatchPolicy{recognition_threshold != 0.0f ? recognition_threshold : recogniser_threshold,
                       match_margin};
  }
};

// `tree` is the whole config tree; missing keys keep their defaults. Error
// "VALIDATION_ERROR" with details keyed by the dotted path for wrong types or ranges.
Result<RecognitionConfig> parse_recognition_config(const Json& tree);

}  // namespace argus
