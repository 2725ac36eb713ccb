// libFuzzer target for access-token checking: the token comes from anyone, before login
// (Authorization header, ?token= on WebSocket upgrades, the in-band auth message). Half the
// runs sign the input's claims part so the fuzzer also gets past the signature check.
// Built by fuzz/run.sh with clang++ -fsanitize=fuzzer,address,undefined.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth/crypto.h"
#include "auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  const std::string key = "fuzz-key";
  std::string token = in;
  if (size > 0 && data[0] % 2 == 0) {
    // "<header json>\n<claims json>": encoded and signed as a real token would be.
    auto nl = in.find('\n', 1);
    std::string header = in.substr(1, nl == std::string::npos ? std::string::npos : nl - 1);
    std::string body = nl == std::string::npos ? std::string() : in.substr(nl + 1);
    std::string signing_input = argus::auth::base64url_encode(header) + "." + argus::auth::base64url_encode(body);
    token = signing_input + "." + argus::auth::base64url_encode(argus::auth::hmac_sha256(key, signing_input));
  }
  try {
    auto claims = argus::auth::verify_jwt(token, key, 1'700'000'000);
    if (!claims && claims.error().code != "TOKEN_INVALID" && claims.error().code != "TOKEN_EXPIRED") std::abort();
  } catch (...) {
    std::abort();  // a token must never throw out of the check (it ended the server once)
  }
  return 0;
}
