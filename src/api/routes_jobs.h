#pragma once
// Job routes (issue 4 §1; push-frame jobs of seed 001 §5.3 share the id space):
//   POST   /api/v1/jobs          supervisor  analyse a video: multipart `file` upload (up to
//                                           pipeline.video_upload_max_bytes) or JSON {path}
//                                           under storage.media_dir -> 202 {job_id, status, position}
//   GET    /api/v1/jobs          viewer      video jobs, newest first (paged, ?status=)
//   GET    /api/v1/jobs/{name}   viewer      a video job (vj_...) or an async process-frame job (job_...)
//   DELETE /api/v1/jobs/{name}   supervisor  cancel a queued/running video job, delete a finished one
// Register after add_frame_routes (its /jobs/dead-letters must match before /jobs/{name}).
#include "api/app.h"
#include "services/frame_service.h"
#include "services/video_job_service.h"

namespace argus::api {

void add_job_routes(ApiApp& app, services::FrameService& frames, services::VideoJobService& videos);

}  // namespace argus::api
