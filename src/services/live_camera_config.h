#pragma once
// What a stored camera record means to the live pipeline: the one place that reads a
// record's detection settings, source settings and capture format into a CameraConfig.
#include <string>

#include "pipeline/camera_session.h"
#include "store/records.h"

namespace argus::services {

// `url` is the opened source (credentials merged, CameraService::source); fps_limit falls
// back to `default_fps_limit` when the record's detection settings carry none.
CameraConfig live_camera_config(const store::CameraRecord& cam, std::string url, double default_fps_limit);

}  // namespace argus::services
