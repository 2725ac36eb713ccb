#include "recognition/recognition_config.h"

namespace argus {

Result<RecognitionConfig> parse_recognition_config(const Json& tree) {
  RecognitionConfig c;
  Error err = Error::make("VALIDATION_ERROR", "invalid recognition settings in section 'vision'");
  if (!tree.is_object() || !tree.contains("vision")) return c;
  const Json& v = tree["vision"];
  if (!v.is_object()) {
    err.details["vision"].push_back("must be a mapping");
    return err;
  }
  if (v.contains("hnsw_above")) {
    const Json& h = v["hnsw_above"];
    if (h.is_number_integer() && h.get<int64_t>() >= 0)
      c.gallery.hnsw_above = static_cast<size_t>(h.get<int64_t>());
    else
      err.details["vision.hnsw_above"].push_back("must be an integer >= 0 (0 disables HNSW)");
  }
  if (v.contains("match_margin")) {
    const Json& m = v["match_margin"];
    if (m.is_number() && m.get<double>() >= 0.0 && m.get<double>() < 1.0)
      c.match_margin = m.get<float>();
    else
      err.details["vision.match_margin"].push_back("must be a number in [0, 1)");
  }
  if (v.contains("recognition_threshold")) {
    const Json& t = v["recognition_threshold"];
    if (t.is_number() && t.get<double>() >= -1.0 && t.get<double>() <= 1.0)
      c.recognition_threshold = t.get<float>();
    else
      err.details["vision.recognition_threshold"].push_back("must be a cosine similarity in [-1, 1] (0 = model default)");
  }
  if (!err.details.empty()) return err;
  return c;
}

}  // namespace argus
