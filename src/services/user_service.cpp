#include "services/user_service.h"

#include <cctype>

#include "auth/crypto.h"
#include "core/time.h"
#include "core/validate.h"

namespace argus::services {

std::optional<std::string> UserService::check_username(const std::string& u) {
  if (u.size() < 3 || u.size() > 64) return "must be 3 to 64 characters";
  for (char c : u)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return "may contain only letters, digits, '.', '_' and '-'";
  return std::nullopt;
}

std::optional<std::string> UserService::check_password(const std::string& p) {
  if (p.size() < 8) return "must be at least 8 characters";
  if (p.size() > 256) return "must be at most 256 characters";
  if (!is_clean_text(p)) return "contains invalid characters";
  return std::nullopt;
}

Result<store::UserRecord> UserService::create(const Json& body, const auth::Principal& who, const std::string& client) {
  JsonValidator v(body);
  auto username = v.str("username", true, 1, 64);
  auto password = v.str("password", true, 1, 256);
  auto role = v.one_of("role", true, {"admin", "supervisor", "viewer"});
  auto cams = v.id_list("camera_ids", false);
  v.reject_unknown();
  if (username)
    if (auto e = check_username(*username)) v.add("username", *e);
  if (password)
    if (auto e = check_password(*password)) v.add("password", *e);
  if (!v.ok()) return v.error();
  store::UserRecord u;
  u.username = *username;
  u.password_hash = auth::hash_password(*password);
  u.role = *role;
  u.camera_ids = cams.value_or(std::vector<int64_t>{});
  try {
    u = store_.create_user(u);
  } catch (const store::StoreError& e) {
    if (e.kind() == store::StoreError::Kind::Conflict) {
      audit_.record(who, "create", "user", "", client, "failure", {{"username", *username}, {"reason", "duplicate"}});
      Error err = Error::make("CONFLICT", "A user with this username already exists");
      err.details["username"].push_back("already exists");
      return err;
    }
    throw;
  }
  audit_.record(who, "create", "user", std::to_string(u.id), client, "success", {{"username", u.username}, {"role", u.role}});
  return u;
}

Result<store::UserRecord> UserService::update(int64_t id, const Json& body, const auth::Principal& who, const std::string& client) {
  auto u = store_.user_by_id(id);
  if (!u) return Error::make("NOT_FOUND", "User not found");
  JsonValidator v(body);
  auto password = v.str("password", false, 1, 256);
  auto role = v.one_of("role", false, {"admin", "supervisor", "viewer"});
  auto cams = v.id_list("camera_ids", false);
  v.reject_unknown();
  if (password)
    if (auto e = check_password(*password)) v.add("password", *e);
  if (role && *role != "admin" && u->role == "admin" && who.user_id == id)
    v.add("role", "you cannot remove your own admin role");
  if (!v.ok()) return v.error();
  Json changed = Json::array();
  if (password) { u->password_hash = auth::hash_password(*password); changed.push_back("password"); }
  if (role) { u->role = *role; changed.push_back("role"); }
  if (cams) { u->camera_ids = *cams; changed.push_back("camera_ids"); }
  store_.update_user(*u);
  if (password) store_.revoke_user_tokens(id, now_unix_ms());
  auth_.invalidate_user(id);
  audit_.record(who, "update", "user", std::to_string(id), client, "success", {{"fields", changed}});
  return *store_.user_by_id(id);
}

Status UserService::remove(int64_t id, const auth::Principal& who, const std::string& client) {
  if (id == who.user_id) return Error::make("VALIDATION_ERROR", "You cannot delete your own account");
  if (!store_.delete_user(id)) return Error::make("NOT_FOUND", "User not found");
  auth_.invalidate_user(id);
  audit_.record(who, "delete", "user", std::to_string(id), client, "success");
  return {};
}

Result<store::UserRecord> UserService::create_local(const std::string& username, const std::string& password, const std::string& role) {
  if (auto e = check_username(username)) return Error::make("VALIDATION_ERROR", "username " + *e);
  if (auto e = check_password(password)) return Error::make("VALIDATION_ERROR", "password " + *e);
  if (!auth::parse_role(role)) return Error::make("VALIDATION_ERROR", "role must be admin, supervisor or viewer");
  store::UserRecord u;
  u.username = username;
  u.password_hash = auth::hash_password(password);
  u.role = role;
  try {
    return store_.create_user(u);
  } catch (const store::StoreError& e) {
    if (e.kind() == store::StoreError::Kind::Conflict) return Error::make("CONFLICT", "user " + username + " already exists");
    throw;
  }
}

Status UserService::set_password_local(const std::string& username, const std::string& password) {
  if (auto e = check_password(password)) return Error::make("VALIDATION_ERROR", "password " + *e);
  auto u = store_.user_by_name(username);
  if (!u) return Error::make("NOT_FOUND", "no user " + username);
  u->password_hash = auth::hash_password(password);
  store_.update_user(*u);
  store_.revoke_user_tokens(u->id, now_unix_ms());
  return {};
}

}  // namespace argus::services
