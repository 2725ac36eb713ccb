#include "services/auth_service.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "auth/jwt.h"
#include "core/time.h"

namespace argus::services {

AuthService::AuthService(store::Store& store, AuditService& audit, const AuthConfig& cfg, auth::Secrets secrets)
    : store_(store),
      audit_(audit),
      cfg_(cfg),
      secrets_(std::move(secrets)),
      by_user_(cfg.login_attempts_per_minute, 60000),
      by_client_(cfg.login_attempts_per_minute * 4, 60000),
      dummy_hash_(auth::hash_password(auth::random_token(16))) {}

Json AuthService::user_json(const store::UserRecord& u) {
  return {{"id", u.id}, {"username", u.username}, {"role", u.role}, {"camera_ids", u.camera_ids},
          {"createdAt", iso8601_ms(u.created_at)}, {"updatedAt", iso8601_ms(u.updated_at)},
          {"lastLogin", u.last_login ? Json(iso8601_ms(*u.last_login)) : Json(nullptr)}};
}

TokenPair AuthService::issue(const store::UserRecord& u) {
  auth::Claims c;
  c.user_id = u.id;
  c.username = u.username;
  c.role = u.role;
  c.jti = auth::random_token(12);
  c.iat = now_unix_s();
  c.exp = c.iat + cfg_.access_ttl_s;
  TokenPair t;
  t.access_token = auth::sign_jwt(c, secrets_.jwt_key);
  t.refresh_token = auth::random_token(32);
  t.expires_in = cfg_.access_ttl_s;
  t.user = u;
  store_.add_refresh_token({0, u.id, auth::sha256_hex(t.refresh_token), now_unix_ms() + int64_t{cfg_.refresh_ttl_s} * 1000, {}});
  return t;
}

Result<TokenPair> AuthService::login(const std::string& username, const std::string& password, const std::string& client,
                                     int* retry_after_s) {
  int64_t now = now_unix_ms();
  int wait = std::max(by_user_.retry_after_s("u:" + username, now), by_client_.retry_after_s("c:" + client, now));
  if (wait > 0) {
    if (retry_after_s) *retry_after_s = wait;
    audit_.record(std::nullopt, "login", "session", "", client, "rate_limited", Json::object(), username);
    return Error::make("RATE_LIMITED", "Too many failed login attempts; try again in " + std::to_string(wait) + " s");
  }
  auto user = store_.user_by_name(username);
  bool ok = user ? auth::verify_password(user->password_hash, password) : (auth::verify_password(dummy_hash_, password), false);
  if (!ok) {
    by_user_.record_failure("u:" + username, now);
    by_client_.record_failure("c:" + client, now);
    audit_.record(std::nullopt, "login", "session", "", client, "failure", Json::object(), username);
    return Error::make("INVALID_CREDENTIALS", "Invalid username or password");
  }
  by_user_.reset("u:" + username);
  store_.set_last_login(user->id, now);
  user->last_login = now;
  auto pair = issue(*user);
  auth::Principal p{user->id, user->username, *auth::parse_role(user->role), user->camera_ids, "", 0};
  audit_.record(p, "login", "session", std::to_string(user->id), client, "success");
  return pair;
}

Result<TokenPair> AuthService::refresh(const std::string& token, const std::string& client) {
  if (token.empty() || token.size() > 200) return Error::make("TOKEN_INVALID", "Invalid refresh token");
  std::string hash = auth::sha256_hex(token);
  auto rec = store_.refresh_token(hash);
  int64_t now = now_unix_ms();
  if (!rec) return Error::make("TOKEN_INVALID", "Invalid refresh token");
  if (rec->revoked_at) {
    // A rotated token used again means it leaked: end every session of that user.
    store_.revoke_user_tokens(rec->user_id, now);
    audit_.record(std::nullopt, "refresh", "session", std::to_string(rec->user_id), client, "reuse_detected");
    return Error::make("TOKEN_INVALID", "Refresh token has been revoked");
  }
  if (rec->expires_at <= now) return Error::make("TOKEN_EXPIRED", "Refresh token has expired");
  if (!store_.revoke_refresh_token(hash, now)) return Error::make("TOKEN_INVALID", "Refresh token has been revoked");
  auto user = store_.user_by_id(rec->user_id);
  if (!user) return Error::make("TOKEN_INVALID", "User no longer exists");
  return issue(*user);
}

void AuthService::logout(const auth::Principal& who, const std::optional<std::string>& refresh_token, const std::string& client) {
  int64_t now = now_unix_ms();
  if (refresh_token) {
    auto rec = store_.refresh_token(auth::sha256_hex(*refresh_token));
    if (rec && rec->user_id == who.user_id) store_.revoke_refresh_token(rec->token_hash, now);
  } else {
    store_.revoke_user_tokens(who.user_id, now);
  }
  {
    std::lock_guard lock(mu_);
    for (auto it = revoked_jti_.begin(); it != revoked_jti_.end();)
      it = it->second < now / 1000 ? revoked_jti_.erase(it) : std::next(it);
    revoked_jti_[who.jti] = who.token_exp;
  }
  audit_.record(who, "logout", "session", std::to_string(who.user_id), client, "success");
}

std::optional<auth::Principal> AuthService::cached_principal(int64_t user_id) {
  {
    std::lock_guard lock(mu_);
    auto it = users_.find(user_id);
    if (it != users_.end()) return it->second;
  }
  auto u = store_.user_by_id(user_id);
  if (!u) return std::nullopt;
  auth::Principal p{u->id, u->username, *auth::parse_role(u->role), u->camera_ids, "", 0};
  std::lock_guard lock(mu_);
  users_[user_id] = p;
  return p;
}

Result<auth::Principal> AuthService::authenticate(const std::string& token) {
  auto claims = auth::verify_jwt(token, secrets_.jwt_key, now_unix_s());
  if (!claims) return claims.error();
  {
    std::lock_guard lock(mu_);
    if (revoked_jti_.count(claims->jti)) return Error::make("TOKEN_INVALID", "Token has been revoked");
  }
  auto p = cached_principal(claims->user_id);
  if (!p) return Error::make("TOKEN_INVALID", "User no longer exists");
  p->jti = claims->jti;
  p->token_exp = claims->exp;
  return *p;
}

void AuthService::invalidate_user(int64_t user_id) {
  std::lock_guard lock(mu_);
  users_.erase(user_id);
}

std::optional<std::string> bootstrap_admin(store::Store& store, const std::string& data_dir) {
  if (store.count_users() > 0) return std::nullopt;
  std::string password = auth::random_password(20);
  store::UserRecord u;
  u.username = "admin";
  u.role = "admin";
  u.password_hash = auth::hash_password(password);
  store.create_user(u);
  std::string path = data_dir + "/initial-admin-password";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd >= 0) {
    std::string line = password + "\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) spdlog::warn("cannot write {}", path);
    ::fsync(fd);
    ::close(fd);
  }
  return password;
}

}  // namespace argus::services
