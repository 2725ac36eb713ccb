#pragma once
// User accounts (admin only at the API): validation, password hashing, role and camera set.
#include "auth/principal.h"
#include "core/result.h"
#include "services/audit_service.h"
#include "services/auth_service.h"
#include "store/store.h"

namespace argus::services {

class UserService {
 public:
  UserService(store::Store& store, AuthService& auth, AuditService& audit) : store_(store), auth_(auth), audit_(audit) {}
  Result<store::UserRecord> create(const Json& body, const auth::Principal& who, const std::string& client);
  Result<store::UserRecord> update(int64_t id, const Json& body, const auth::Principal& who, const std::string& client);
  Status remove(int64_t id, const auth::Principal& who, const std::string& client);
  std::optional<store::UserRecord> get(int64_t id) { return store_.user_by_id(id); }
  store::Page<store::UserRecord> list(const store::PageRequest& p, const std::optional<std::string>& search) {
    return store_.list_users(p, search);
  }
  // For the command line: no audit principal, same validation.
  Result<store::UserRecord> create_local(const std::string& username, const std::string& password, const std::string& role);
  Status set_password_local(const std::string& username, const std::string& password);

  static std::optional<std::string> check_username(const std::string& u);
  static std::optional<std::string> check_password(const std::string& p);

 private:
  store::Store& store_;
  AuthService& auth_;
  AuditService& audit_;
};

}  // namespace argus::services
