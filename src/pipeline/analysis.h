#pragma once
// The seams between the pipeline and the rest of Argus:
//   FrameAnalyzer  - what runs on a sampled frame (the lead adapts vision's FaceAnalyzer).
//   ResultSink     - where per-frame results and per-track events go (LiveCache, WebSocket
//                    hub, SightingWriter, ...).
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/types.h"
#include "ingest/frame.h"
#include "tracking/tracker.h"

namespace argus {

struct FacePose {
  float yaw = 0, pitch = 0, roll = 0;  // degrees
};

struct FaceObservation {
  RectF box;
  float score = 0;                     // detector confidence 0..1
  std::array<PointF, 5> landmarks{};   // eyes, nose, mouth corners (image pixels)
  bool has_landmarks = false;
  std::vector<float> embedding;        // empty when not computed (e.g. face too small)
  float quality = 0;                   // 0..1, higher is better for recognition
  std::optional<FacePose> pose;
};

struct AnalysisResult {
  std::vector<FaceObservation> faces;
  std::map<std::string, double> timings_ms;  // stage name -> ms (detect, embed, ...)
};

// Which of a frame's faces need an embedding, asked once per frame after detection,
// landmarks and quality and before any embedding (the faces come without one): one flag per
// face, in order, true = embed. The live path asks the camera's Tracker
// (Tracker::wants_embeddings), so faces of tracks whose identity is settled are not embedded.
using EmbedFilter = std::function<std::vector<bool>(const std::vector<FaceObservation>& faces)>;

// A camera's own detection settings (its `detection` object: confidence_threshold,
// min_face_size, max_faces_per_frame), applied to each of its analyses. A larger
// min_face_size also makes detection cheaper (fewer fine passes over the frame).
struct DetectionLimits {
  float min_confidence = -1;  // detector score; < 0: the analyser's configured threshold
  float min_face_size = -1;   // pixels in the frame; < 0: configured
  int max_faces = 0;          // 0: every face; else the N largest
  bool operator==(const DetectionLimits&) const = default;
};

// The live path's view into one analysis: the camera's limits, then the hooks, each called at
// most once per frame, in this order.
struct AnalysisHooks {
  DetectionLimits limits;
  // Right after detection, before landmarks: the faces with box and score only (no landmarks,
  // quality or embedding). CameraSession publishes them as a preview. May be empty.
  std::function<void(const std::vector<FaceObservation>& faces)> detected;
  EmbedFilter wanted;  // may be empty: embed every face
};

// Called from the InferencePool's threads, concurrently for different cameras (never
// concurrently for the same camera): implementations must be thread-safe. Must not modify
// frame.bgr (it is shared with the live view). Exceptions are caught and counted.
class FrameAnalyzer {
 public:
  virtual ~FrameAnalyzer() = default;
  // Every face embedded (video jobs and anything without a tracker to ask).
  virtual AnalysisResult analyze(const Frame& frame) = 0;
  // Reports the detected faces to hooks.detected, then embeds only the faces hooks.wanted
  // selects (the others keep an empty embedding). An analyser without stages may keep this
  // default, which embeds every face and calls neither hook.
  virtual AnalysisResult analyze_live(const Frame& frame, const AnalysisHooks& hooks) {
    (void)hooks;
    return analyze(frame);
  }
};

struct TrackedFace {
  FaceObservation face;
  uint64_t track_id = 0;  // 0: tentative, not yet a track
  RectF smoothed_box;
  std::optional<IdentityMatch> identity;
};

struct FrameResult {
  CameraId camera_id = 0;
  uint64_t seq = 0;
  std::optional<int64_t> pts_ms;
  int64_t received_unix_ms = 0;   // when the frame arrived
  int64_t processed_unix_ms = 0;  // when analysis + tracking finished
  int width = 0, height = 0;
  std::vector<TrackedFace> faces;
  // queue_ms (receive -> analysis start), analyze_ms, track_ms, total_ms + analyzer stages.
  std::map<std::string, double> timings_ms;
  Frame frame;  // the analysed picture (shared pixels; read-only) for snapshots/crops
  // A preview (ResultSink::on_frame_preview): boxes and scores only; track ids and identities
  // where the tracker is already sure (Tracker::preview), else 0 / none.
  bool provisional = false;
};

// Called from pool threads (serially per camera, concurrently across cameras); must be
// thread-safe and quick: a slow sink delays that camera's next analysis, nothing else.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void on_frame_result(const FrameResult& result) = 0;
  // Called before on_frame_result for the same frame, as soon as its faces are detected (when
  // there are any): boxes and scores, track ids and identities where the tracker is sure
  // already, `provisional` set; no landmarks, quality or embeddings. Lets live subscribers draw
  // boxes ~25 ms sooner (landmarks and embeddings are over half of an analysis); the complete
  // result follows.
  virtual void on_frame_preview(const FrameResult& preview) { (void)preview; }
  // Track lifecycle: started, identity assigned/changed, ended. A sighting is written once
  // per track from these, not per frame. Also called from CameraManager::stop_camera.
  virtual void on_track_event(CameraId camera_id, const TrackEvent& event) { (void)camera_id; (void)event; }
};

Json to_json(const FrameResult& result);  // without pixels and embeddings
Json to_json(const TrackEvent& event);    // without the embedding

}  // namespace argus
