#pragma once
// JWT (RFC 7519) access tokens, HS256 only. Anything else, "alg":"none" included, is refused.
#include <cstdint>
#include <string>

#include "core/json.h"
#include "core/result.h"

namespace argus::auth {

struct Claims {
  int64_t user_id = 0;
  std::string username;
  std::string role;
  std::string jti;
  int64_t iat = 0;  // seconds
  int64_t exp = 0;  // seconds
};

std::string sign_jwt(const Claims& claims, const std::string& key);
// Error codes: TOKEN_INVALID (malformed, wrong alg, bad signature), TOKEN_EXPIRED.
Result<Claims> verify_jwt(const std::string& token, const std::string& key, int64_t now_s);

}  // namespace argus::auth
