#include "services/audit_service.h"

#include <spdlog/spdlog.h>

#include "core/time.h"

namespace argus::services {

void AuditService::record(const std::optional<auth::Principal>& who, const std::string& action, const std::string& resource,
                          const std::string& resource_id, const std::string& client, const std::string& result,
                          const Json& details, const std::string& username_hint) {
  store::AuditRecord r;
  r.time = now_unix_ms();
  if (who) {
    r.user_id = who->user_id;
    r.username = who->username;
  } else {
    r.username = username_hint;
  }
  r.action = action;
  r.resource = resource;
  r.resource_id = resource_id;
  r.client = client;
  r.result = result;
  r.details = details;
  try {
    store_.append_audit(r);
  } catch (const std::exception& e) {
    spdlog::error("audit: cannot record {} {} {}: {}", action, resource, resource_id, e.what());
  }
}

Json AuditService::to_json(const store::AuditRecord& r) {
  return {{"id", r.id}, {"time", iso8601_ms(r.time)}, {"user_id", r.user_id ? Json(*r.user_id) : Json(nullptr)},
          {"user", r.username}, {"action", r.action}, {"resource", r.resource}, {"resource_id", r.resource_id},
          {"client", r.client}, {"result", r.result}, {"details", r.details}};
}

}  // namespace argus::services
