#include "auth/jwt.h"

#include "auth/crypto.h"

namespace argus::auth {

std::string sign_jwt(const Claims& c, const std::string& key) {
  static const std::string header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  Json body = {{"sub", std::to_string(c.user_id)}, {"name", c.username}, {"role", c.role},
               {"jti", c.jti}, {"iat", c.iat}, {"exp", c.exp}};
  std::string signing_input = header + "." + base64url_encode(body.dump());
  return signing_input + "." + base64url_encode(hmac_sha256(key, signing_input));
}

Result<Claims> verify_jwt(const std::string& token, const std::string& key, int64_t now_s) {
  auto invalid = [](const std::string& why) { return Error::make("TOKEN_INVALID", why); };
  if (token.size() > 4096) return invalid("token too long");
  auto d1 = token.find('.');
  auto d2 = d1 == std::string::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string::npos || token.find('.', d2 + 1) != std::string::npos) return invalid("malformed token");
  auto header_raw = base64url_decode(std::string_view(token).substr(0, d1));
  auto body_raw = base64url_decode(std::string_view(token).substr(d1 + 1, d2 - d1 - 1));
  auto sig = base64url_decode(std::string_view(token).substr(d2 + 1));
  if (!header_raw || !body_raw || !sig) return invalid("malformed token");
  // string_field, not Json::value(): that throws when "alg" is there but not a string, and
  // this runs on a token anyone can send before logging in.
  Json header = Json::parse(*header_raw, nullptr, false);
  if (string_field(header, "alg") != "HS256") return invalid("unsupported token algorithm");
  if (!equal_ct(*sig, hmac_sha256(key, token.substr(0, d2)))) return invalid("bad token signature");
  Json body = Json::parse(*body_raw, nullptr, false);
  try {
    Claims c;
    c.user_id = std::stoll(body.at("sub").get<std::string>());
    c.username = body.at("name");
    c.role = body.at("role");
    c.jti = body.at("jti");
    c.iat = body.at("iat");
    c.exp = body.at("exp");
    if (now_s >= c.exp) return Error::make("TOKEN_EXPIRED", "token has expired");
    return c;
  } catch (...) {
    return invalid("malformed token claims");
  }
}

}  // namespace argus::auth
