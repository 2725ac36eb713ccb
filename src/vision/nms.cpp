#include "vision/nms.h"

#include <algorithm>
#include <cmath>

namespace argus::vision {

namespace {
float inside_fraction(const RectF& inner, const RectF& outer) {
  float ix = std::max(0.f, std::min(inner.right(), outer.right()) - std::max(inner.x, outer.x));
  float iy = std::max(0.f, std::min(inner.bottom(), outer.bottom()) - std::max(inner.y, outer.y));
  return inner.area() > 0 ? ix * iy / inner.area() : 0.f;
}
}  // namespace

std::vector<Detection> nms(std::vector<Detection> dets, float iou_threshold, float contain) {
  std::sort(dets.begin(), dets.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> keep;
  std::vector<bool> dropped(dets.size(), false);
  for (size_t i = 0; i < dets.size(); ++i) {
    if (dropped[i]) continue;
    keep.push_back(dets[i]);
    for (size_t j = i + 1; j < dets.size(); ++j)
      if (!dropped[j] && (iou(dets[i].box, dets[j].box) > iou_threshold ||
                          inside_fraction(dets[j].box, dets[i].box) > contain))
        dropped[j] = true;
  }
  return keep;
}

std::vector<Detection> weighted_nms(std::vector<Detection> dets, float iou_threshold) {
  std::sort(dets.begin(), dets.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> keep;
  std::vector<bool> used(dets.size(), false);
  for (size_t i = 0; i < dets.size(); ++i) {
    if (used[i]) continue;
    Detection acc = dets[i];
    double wsum = 0, x = 0, y = 0, w = 0, h = 0;
    std::vector<double> kp(dets[i].keypoints.size() * 2, 0.0);
    for (size_t j = i; j < dets.size(); ++j) {
      if (used[j] || iou(dets[i].box, dets[j].box) <= iou_threshold) continue;
      used[j] = true;
      double s = dets[j].score;
      wsum += s; x += s * dets[j].box.x; y += s * dets[j].box.y; w += s * dets[j].box.w; h += s * dets[j].box.h;
      for (size_t k = 0; k < dets[j].keypoints.size() && k * 2 < kp.size(); ++k) {
        kp[2 * k] += s * dets[j].keypoints[k].x;
        kp[2 * k + 1] += s * dets[j].keypoints[k].y;
      }
    }
    if (wsum > 0) {
      acc.box = RectF{float(x / wsum), float(y / wsum), float(w / wsum), float(h / wsum)};
      for (size_t k = 0; k < acc.keypoints.size(); ++k)
        acc.keypoints[k] = PointF{float(kp[2 * k] / wsum), float(kp[2 * k + 1] / wsum)};
    }
    keep.push_back(std::move(acc));
  }
  return keep;
}

std::vector<Tile> plan_tiles(cv::Size frame, cv::Size model, float min_face_px, float model_min_face_px,
                             int max_tiles) {
  std::vector<Tile> tiles;
  tiles.push_back({cv::Rect(0, 0, frame.width, frame.height), true});
  if (frame.width <= 0 || frame.height <= 0 || model_min_face_px <= 0) return tiles;
  // Scale frame->model of the whole-frame pass (aspect is not kept by UltraFace: the worse axis).
  double whole_scale = std::max(double(frame.width) / model.width, double(frame.height) / model.height);
  double need_scale = std::max(1.0, double(min_face_px) / model_min_face_px);
  double scale = whole_scale;
  // Each finer level shrinks the tile by up to 3.5x: a face that the coarser level finds only
  // from model_min_face_px * 3.5 up still fits whole in a third of this level's tile.
  while (scale > need_scale * 1.05) {
    scale = std::max(need_scale, scale / 3.5);
    int tw = std::min(frame.width, int(std::lround(model.width * scale)));
    int th = std::min(frame.height, int(std::lround(model.height * scale)));
    // Overlap: the largest face this level is responsible for (those the coarser level may
    // miss) must fit whole into one tile: a third of the tile.
    int ox = tw / 3, oy = th / 3;
    int nx = tw >= frame.width ? 1 : int(std::ceil(double(frame.width - ox) / (tw - ox)));
    int ny = th >= frame.height ? 1 : int(std::ceil(double(frame.height - oy) / (th - oy)));
    if (static_cast<int>(tiles.size()) + nx * ny > max_tiles) break;
    for (int iy = 0; iy < ny; ++iy) {
      for (int ix = 0; ix < nx; ++ix) {
        // Spread tiles evenly so the last one ends at the frame edge.
        int x = nx == 1 ? 0 : int(std::lround(double(frame.width - tw) * ix / (nx - 1)));
        int y = ny == 1 ? 0 : int(std::lround(double(frame.height - th) * iy / (ny - 1)));
        tiles.push_back({cv::Rect(x, y, tw, th), false, float(std::min(ox, oy))});
      }
    }
  }
  return tiles;
}

bool touches_inner_edge(const RectF& b, const cv::Rect& t, cv::Size frame, float m) {
  if (t.x > 0 && b.x <= t.x + m) return true;
  if (t.y > 0 && b.y <= t.y + m) return true;
  if (t.x + t.width < frame.width && b.right() >= t.x + t.width - m) return true;
  if (t.y + t.height < frame.height && b.bottom() >= t.y + t.height - m) return true;
  return false;
}

}  // namespace argus::vision
