#pragma once
// Run-time system settings (seed 000 "System Management"): typed keys with ranges, stored
// in the database, changed by admins. Unknown keys are rejected. What reads each key is in its
// schema description (some are kept for work not built yet and say so).
#include <functional>
#include <mutex>

#include "auth/principal.h"
#include "core/result.h"
#include "services/audit_service.h"
#include "store/store.h"

namespace argus::services {

class SystemConfigService {
 public:
  SystemConfigService(store::Store& store, AuditService& audit);
  Json get();  // defaults overlaid with stored values
  Result<Json> put(const Json& body, const auth::Principal& who, const std::string& client);
  static Json defaults();
  static Json schema();        // JSON Schema for OpenAPI, with a description per key
  static Json descriptions();  // key -> its schema description

 private:
  store::Store& store_;
  AuditService& audit_;
  std::mutex mu_;
};

}  // namespace argus::services
