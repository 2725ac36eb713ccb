#pragma once
// Small builders for the JSON Schemas in the route table (they end up in openapi.json).
#include <initializer_list>
#include <string>
#include <utility>

#include "core/json.h"

namespace argus::api::schema {

inline Json obj(std::initializer_list<std::pair<const std::string, Json>> props) {
  Json p = Json::object();
  for (auto& [k, v] : props) p[k] = v;
  return {{"type", "object"}, {"properties", p}};
}
inline Json arr(const Json& items) { return {{"type", "array"}, {"items", items}}; }
inline const Json kStr = {{"type", "string"}};
inline const Json kInt = {{"type", "integer"}};
inline const Json kNum = {{"type", "number"}};
inline const Json kBool = {{"type", "boolean"}};
inline const Json kObj = {{"type", "object"}};

}  // namespace argus::api::schema
