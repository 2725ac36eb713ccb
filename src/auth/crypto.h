#pragma once
// Cryptographic primitives Argus uses, each a thin layer over libsodium or OpenSSL:
// argon2id password hashes, HMAC-SHA256, SHA-256, secretbox sealing, random tokens, base64url.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argus::auth {

// Must be called once before any other function here (idempotent, thread-safe).
void init_crypto();

// argon2id (libsodium's crypto_pwhash_str, interactive limits): "$argon2id$v=19$...".
std::string hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);

std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string sha256_hex(std::string_view data);
std::string random_token(size_t bytes = 32);  // base64url, unpadded
std::string random_password(size_t chars = 20);

std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view data);

// Constant-time comparison of equal-length strings.
bool equal_ct(std::string_view a, std::string_view b);

// Authenticated encryption (XSalsa20-Poly1305) with a 32-byte key: nonce || ciphertext.
std::vector<uint8_t> seal(std::string_view key, std::string_view plaintext);
std::optional<std::string> open_sealed(std::string_view key, const std::vector<uint8_t>& sealed);

// Loads the 32+32-byte secret (JWT signing key, sealing key) from `path`, creating it with
// mode 0600 if it does not exist.
struct Secrets {
  std::string jwt_key;
  std::string seal_key;
};
Secrets load_or_create_secrets(const std::string& path);

}  // namespace argus::auth
