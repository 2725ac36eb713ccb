#include "services/system_config_service.h"

#include "core/validate.h"

namespace argus::services {

SystemConfigService::SystemConfigService(store::Store& store, AuditService& audit) : store_(store), audit_(audit) {}

Json SystemConfigService::defaults() {
  return {{"detectionThreshold", 0.6},     {"recognitionConfidence", 0.5}, {"samplingRate", 5},
          {"performanceMode", "balanced"}, {"maxFacesPerFrame", 20},       {"minFaceSize", 24},
          {"livenessEnabled", false},      {"snapshotRetentionDays", 30},  {"eventRetentionDays", 90},
          {"unknownPersonAlerts", true},   {"timezoneOffsetMinutes", 0}};
}

Json SystemConfigService::schema() {
  return {{"type", "object"},
          {"additionalProperties", false},
          {"properties",
           {{"detectionThreshold", {{"type", "number"}, {"minimum", 0.05}, {"maximum", 0.99}}},
            {"recognitionConfidence", {{"type", "number"}, {"minimum", 0.0}, {"maximum", 1.0}}},
            {"samplingRate", {{"type", "integer"}, {"minimum", 1}, {"maximum", 60}}},
            {"performanceMode", {{"type", "string"}, {"enum", {"fast", "balanced", "high_accuracy"}}}},
            {"maxFacesPerFrame", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}}},
            {"minFaceSize", {{"type", "integer"}, {"minimum", 8}, {"maximum", 2048}}},
            {"livenessEnabled", {{"type", "boolean"}}},
            {"snapshotRetentionDays", {{"type", "integer"}, {"minimum", 1}, {"maximum", 3650}}},
            {"eventRetentionDays", {{"type", "integer"}, {"minimum", 1}, {"maximum", 3650}}},
            {"unknownPersonAlerts", {{"type", "boolean"}}},
            {"timezoneOffsetMinutes", {{"type", "integer"}, {"minimum", -720}, {"maximum", 840}}}}}};
}

Json SystemConfigService::get() {
  Json out = defaults();
  Json stored = store_.system_config();
  for (auto it = stored.begin(); it != stored.end(); ++it)
    if (out.contains(it.key())) out[it.key()] = it.value();
  return out;
}

Result<Json> SystemConfigService::put(const Json& body, const auth::Principal& who, const std::string& client) {
  JsonValidator v(body);
  Json changes = Json::object();
  const Json spec_all = schema();  // keep the schema alive while iterating it
  for (auto& [key, spec] : spec_all["properties"].items()) {
    std::string type = spec["type"];
    if (type == "number") {
      if (auto x = v.number(key, false, spec["minimum"], spec["maximum"])) changes[key] = *x;
    } else if (type == "integer") {
      if (auto x = v.integer(key, false, spec["minimum"], spec["maximum"])) changes[key] = *x;
    } else if (type == "boolean") {
      if (auto x = v.boolean(key, false)) changes[key] = *x;
    } else {
      std::set<std::string> allowed(spec["enum"].begin(), spec["enum"].end());
      if (auto x = v.one_of(key, false, allowed)) changes[key] = *x;
    }
  }
  v.reject_unknown();
  if (!v.ok()) return v.error();
  if (changes.empty()) return Error::make("VALIDATION_ERROR", "No settings given");
  Json result;
  {
    std::lock_guard lock(mu_);
    store_.put_system_config(changes, who.user_id);
    result = get();
  }
  audit_.record(who, "update", "system_config", "", client, "success", {{"changes", changes}});
  if (on_change) on_change(result);
  return result;
}

}  // namespace argus::services
