#pragma once
// One JSON type for the whole project. nlohmann's headers come in as a SYSTEM include.
#include <nlohmann/json.hpp>

namespace argus {
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
}  // namespace argus
