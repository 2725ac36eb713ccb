#pragma once
// Push-mode frame routes (seed 001 §4.1.1, §5.1-5.3):
//   POST /api/v1/detections/process-frame            supervisor  analyse one pushed frame
//   GET  /api/v1/jobs/dead-letters                   admin       callbacks that failed every attempt
//   (GET /api/v1/jobs/{name}, an async job's state and result, is in routes_jobs.cpp with video jobs)
//   GET  /api/v1/detections/frames/snapshots/{name}  viewer      a face crop (?token= accepted)
#include "api/app.h"
#include "services/frame_service.h"

namespace argus::api {

void add_frame_routes(ApiApp& app, services::FrameService& frames);

}  // namespace argus::api
