#pragma once
#include "api/app.h"
#include "services/recognition_service.h"

namespace argus::api {
// Enrolment with photos, person images, and the model registry.
void add_vision_routes(ApiApp& app, services::RecognitionService& recognition);
}  // namespace argus::api
