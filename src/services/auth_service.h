#pragma once
// Logins, token issue/rotation/revocation, and turning a bearer token into a Principal.
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "auth/principal.h"
#include "auth/crypto.h"
#include "auth/rate_limiter.h"
#include "core/config.h"
#include "core/result.h"
#include "services/audit_service.h"
#include "store/store.h"

namespace argus::services {

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  int expires_in = 0;
  store::UserRecord user;
};

struct LoginFailure {
  Error error;
  int retry_after_s = 0;  // for RATE_LIMITED
};

class AuthService {
 public:
  AuthService(store::Store& store, AuditService& audit, const AuthConfig& cfg, auth::Secrets secrets);

  Result<TokenPair> login(const std::string& username, const std::string& password, const std::string& client,
                          int* retry_after_s);
  Result<TokenPair> refresh(const std::string& refresh_token, const std::string& client);
  void logout(const auth::Principal& who, const std::optional<std::string>& refresh_token, const std::string& client);
  // TOKEN_INVALID / TOKEN_EXPIRED / UNAUTHORIZED (user gone or token revoked).
  Result<auth::Principal> authenticate(const std::string& access_token);

  // Drops cached user data (role, camera set) after a change, so it applies at once.
  void invalidate_user(int64_t user_id);
  const auth::Secrets& secrets() const { return secrets_; }
  static Json user_json(const store::UserRecord& u);

 private:
  TokenPair issue(const store::UserRecord& u);
  std::optional<auth::Principal> cached_principal(int64_t user_id);

  store::Store& store_;
  AuditService& audit_;
  AuthConfig cfg_;
  auth::Secrets secrets_;
  auth::RateLimiter by_user_, by_client_;
  std::string dummy_hash_;  // verified against when the user does not exist, to even out timing
  std::mutex mu_;
  std::unordered_map<int64_t, auth::Principal> users_;          // cache of role and camera set
  std::unordered_map<std::string, int64_t> revoked_jti_;       // jti -> exp (s), from logouts
};

// First start: creates `admin` with a random password, prints it once and writes it to
// <data>/initial-admin-password (0600). Returns the password, or nullopt if users exist.
std::optional<std::string> bootstrap_admin(store::Store& store, const std::string& data_dir);

}  // namespace argus::services
