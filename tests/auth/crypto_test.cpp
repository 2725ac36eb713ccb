#include <gtest/gtest.h>

#include "auth/crypto.h"
#include "auth/jwt.h"
#include "auth/rate_limiter.h"

using namespace argus::auth;

class Crypto : public ::testing::Test {
 protected:
  void SetUp() override { init_crypto(); }
};

TEST_F(Crypto, Argon2idHashesVerify) {
  auto h = hash_password("correct horse");
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(h, "correct horse"));
  EXPECT_FALSE(verify_password(h, "wrong horse"));
  EXPECT_NE(hash_password("correct horse"), h);  // salted
  EXPECT_FALSE(verify_password("plaintext", "plaintext"));
}

TEST_F(Crypto, JwtRoundTripAndFailures) {
  Claims c{7, "ann", "viewer", "j1", 1000, 2000};
  auto t = sign_jwt(c, "k");
  auto ok = verify_jwt(t, "k", 1500);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->user_id, 7);
  EXPECT_EQ(ok->role, "viewer");
  EXPECT_EQ(verify_jwt(t, "k", 2000).error().code, "TOKEN_EXPIRED");
  EXPECT_EQ(verify_jwt(t, "other", 1500).error().code, "TOKEN_INVALID");
  EXPECT_EQ(verify_jwt("a.b", "k", 1500).error().code, "TOKEN_INVALID");
  EXPECT_EQ(verify_jwt("a.b.c.d", "k", 1500).error().code, "TOKEN_INVALID");
  auto dot = t.find('.');
  std::string none = base64url_encode(R"({"alg":"none"})") + t.substr(dot, t.rfind('.') - dot) + ".";
  EXPECT_EQ(verify_jwt(none, "k", 1500).error().code, "TOKEN_INVALID");
  // Headers of the wrong shape are refused, not thrown (the token arrives before any login).
  for (const char* header : {R"({"alg":5})", R"({"alg":null})", R"(["HS256"])", R"("HS256")", "not json"}) {
    std::string odd = base64url_encode(header) + t.substr(dot);
    argus::Result<Claims> r = argus::Error::make("", "");
    ASSERT_NO_THROW(r = verify_jwt(odd, "k", 1500)) << header;
    EXPECT_EQ(r.error().code, "TOKEN_INVALID") << header;
  }
}

TEST_F(Crypto, SealRoundTripDetectsTampering) {
  std::string key(32, 'k');
  auto sealed = seal(key, "rtsp://u:p@h/x");
  EXPECT_EQ(open_sealed(key, sealed), "rtsp://u:p@h/x");
  sealed.back() ^= 1;
  EXPECT_FALSE(open_sealed(key, sealed).has_value());
  EXPECT_FALSE(open_sealed(std::string(32, 'x'), seal(key, "a")).has_value());
}

TEST_F(Crypto, Base64Url) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
  EXPECT_FALSE(base64url_decode("!!").has_value());
}

TEST(RateLimiter, SlidingWindow) {
  RateLimiter r(3, 60000);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.retry_after_s("a", 1000), 0);
    r.record_failure("a", 1000);
  }
  EXPECT_GT(r.retry_after_s("a", 2000), 0);
  EXPECT_EQ(r.retry_after_s("b", 2000), 0);
  EXPECT_EQ(r.retry_after_s("a", 61001), 0);
  r.record_failure("a", 61001);
  r.reset("a");
  EXPECT_EQ(r.retry_after_s("a", 61002), 0);
}
