#pragma once
// One JSON type for the whole project. nlohmann's headers come in as a SYSTEM include.
#include <nlohmann/json.hpp>

#include <string>

namespace argus {
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// j[key] when j is an object holding a string there, else "". For messages from clients:
// Json::value(key, "") throws when the key holds another type ({"type":5}).
inline std::string string_field(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace argus
