#include <cmath>

#include "vision/embedder.h"

namespace argus::vision {

void l2_normalize(std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  if (s <= 0) return;
  float inv = float(1.0 / std::sqrt(s));
  for (float& x : v) x *= inv;
}

float cosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0.f;
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return float(s);
}

std::vector<float> fuse_embeddings(const std::vector<float>& fr, const std::vector<float>& faceapi,
                                   const FusionWeights& w) {
  std::vector<float> out;
  out.reserve(fr.size() + faceapi.size());
  float a = std::sqrt(w.w_fr), b = std::sqrt(w.w_faceapi);
  for (float x : fr) out.push_back(a * x);
  for (float x : faceapi) out.push_back(b * x);
  return out;
}

}  // namespace argus::vision
