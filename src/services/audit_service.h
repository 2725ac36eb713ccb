#pragma once
// The audit trail: who did what, when, from where, and whether it worked.
#include <optional>
#include <string>

#include "auth/principal.h"
#include "store/store.h"

namespace argus::services {

class AuditService {
 public:
  explicit AuditService(store::Store& store) : store_(store) {}
  void record(const std::optional<auth::Principal>& who, const std::string& action, const std::string& resource,
              const std::string& resource_id, const std::string& client, const std::string& result,
              const Json& details = Json::object(), const std::string& username_hint = "");
  store::Page<store::AuditRecord> list(const store::PageRequest& p, const store::AuditFilter& f) { return store_.list_audit(p, f); }
  static Json to_json(const store::AuditRecord& r);

 private:
  store::Store& store_;
};

}  // namespace argus::services
