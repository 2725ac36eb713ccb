#include "auth/crypto.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace argus::auth {

void init_crypto() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("out of memory hashing a password");
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  if (hash.rfind("$argon2id$", 0) != 0) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : md) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string random_token(size_t bytes) {
  std::string buf(bytes, '\0');
  randombytes_buf(buf.data(), buf.size());
  return base64url_encode(buf);
}

std::string random_password(size_t chars) {
  static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (size_t i = 0; i < chars; ++i) out += alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
  return out;
}

std::string base64url_encode(std::string_view data) {
  size_t len = sodium_base64_encoded_len(data.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(len, '\0');
  sodium_bin2base64(out.data(), len, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(len - 1);  // drop the terminating NUL
  return out;
}

std::optional<std::string> base64url_decode(std::string_view data) {
  std::string out(data.size(), '\0');
  size_t bin_len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), data.data(), data.size(), nullptr,
                        &bin_len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != data.data() + data.size())
    return std::nullopt;
  out.resize(bin_len);
  return out;
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<uint8_t> seal(std::string_view key, std::string_view plaintext) {
  if (key.size() != crypto_secretbox_KEYBYTES) throw std::invalid_argument("seal key must be 32 bytes");
  std::vector<uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), out.data(), reinterpret_cast<const unsigned char*>(key.data()));
  return out;
}

std::optional<std::string> open_sealed(std::string_view key, const std::vector<uint8_t>& sealed) {
  if (key.size() != crypto_secretbox_KEYBYTES || sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return std::nullopt;
  std::string out(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), sealed.data() + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, sealed.data(),
                                 reinterpret_cast<const unsigned char*>(key.data())) != 0)
    return std::nullopt;
  return out;
}

Secrets load_or_create_secrets(const std::string& path) {
  constexpr size_t kLen = 64;
  std::string raw;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) raw.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (raw.empty()) {
    raw.assign(kLen, '\0');
    randombytes_buf(raw.data(), raw.size());
    // Written to a temporary file first so a crash never leaves a short key behind.
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create secret key file " + path);
    bool ok = ::write(fd, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write secret key file " + path);
  }
  if (raw.size() != kLen) throw std::runtime_error("secret key file " + path + " is damaged (expected 64 bytes)");
  ::chmod(path.c_str(), 0600);
  return Secrets{raw.substr(0, 32), raw.substr(32, 32)};
}

}  // namespace argus::auth
