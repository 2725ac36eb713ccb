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
  // Each description says what reads the key today; "not used yet" where nothing does.
  auto num = [](double lo, double hi, const char* what) {
    return Json{{"type", "number"}, {"minimum", lo}, {"maximum", hi}, {"description", what}};
  };
  auto integer = [](int lo, int hi, const char* what) {
    return Json{{"type", "integer"}, {"minimum", lo}, {"maximum", hi}, {"description", what}};
  };
  auto boolean = [](const char* what) { return Json{{"type", "boolean"}, {"description", what}}; };
  return {{"type", "object"},
          {"additionalProperties", false},
          {"properties",
           {{"detectionThreshold", num(0.05, 0.99, "Detector score a face needs: the default of a new camera's "
                                                   "detection settings (each camera's own value applies to it)")},
            {"recognitionConfidence", num(0.0, 1.0, "Not used yet: recognition uses the thresholds calibrated per model "
                                                    "(recognition.* in argus.yaml, docs/accuracy.md)")},
            {"samplingRate", integer(1, 60, "Analysed frames per second: the default fps limit of a new camera")},
            {"performanceMode", {{"type", "string"}, {"enum", {"fast", "balanced", "high_accuracy"}},
                                 {"description", "Not used yet: the models and their settings come from argus.yaml"}}},
            {"maxFacesPerFrame", integer(1, 500, "Largest faces analysed per frame: the default of a new camera")},
            {"minFaceSize", integer(8, 2048, "Smallest face looked for, in pixels: the default of a new camera "
                                             "(larger is cheaper)")},
            {"livenessEnabled", boolean("Not used yet: live analysis runs no liveness check")},
            {"snapshotRetentionDays", integer(1, 3650, "Days a sighting keeps its snapshot picture (checked hourly; "
                                                       "the sighting itself stays)")},
            {"eventRetentionDays", integer(1, 3650, "Days sightings are kept, with their snapshots (checked hourly; "
                                                    "attendance is kept)")},
            {"unknownPersonAlerts", boolean("Not used yet: no alert is raised for unknown persons")},
            {"timezoneOffsetMinutes", integer(-720, 840, "Offset from UTC, in minutes, of the days that attendance counts")}}}};
}

Json SystemConfigService::descriptions() {
  Json out = Json::object();
  const Json s = schema();
  for (auto& [key, spec] : s["properties"].items()) out[key] = spec["description"];
  return out;
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
  return result;
}

}  // namespace argus::services
