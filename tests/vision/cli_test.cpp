// The vision commands of the argus binary, end to end.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>

#include "core/json.h"
#include "vision_test_util.h"

namespace {

std::string run(const std::string& cmd, int* rc) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen((cmd + " 2>/dev/null").c_str(), "r"), pclose);
  if (!p) { *rc = -1; return out; }
  std::array<char, 4096> buf;
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), p.get())) > 0;) out.append(buf.data(), n);
  *rc = pclose(p.release());
  return out;
}

std::string argus_bin() {
  const char* b = std::getenv("ARGUS_BIN");
  return b ? b : std::string(ARGUS_BINARY_DIR) + "/argus";
}

}  // namespace

TEST(vision_cli, DetectJson) {
  REQUIRE_MODELS();
  if (!std::filesystem::exists(argus_bin())) GTEST_SKIP() << "argus binary not built";
  int rc = 0;
  std::string out = run(argus_bin() + " detect --json --models " + argus_test::models_dir() + " " +
                            argus_test::sample(4) + " " + argus_test::sample(6),
                        &rc);
  ASSERT_EQ(rc, 0) << out;
  auto j = argus::Json::parse(out);
  ASSERT_EQ(j["detections"].size(), 2u);
  EXPECT_EQ(j["detections"][0]["count"], 4);
  EXPECT_EQ(j["detections"][1]["count"], 4);
  const auto& f = j["detections"][0]["faces"][0];
  EXPECT_TRUE(f.contains("bbox") && f.contains("confidence") && f.contains("landmarks") && f.contains("quality"));
}

TEST(vision_cli, EvalLfwJsonKeys) {
  REQUIRE_MODELS();
  std::string data = argus_test::eval_data_dir();
  if (data.empty()) GTEST_SKIP() << "evaluation data absent (../shared/data or ARGUS_EVAL_DATA)";
  if (!std::filesystem::exists(argus_bin())) GTEST_SKIP() << "argus binary not built";
  int rc = 0;
  std::string out = run(argus_bin() + " eval lfw --json --pairs 40 --models " + argus_test::models_dir() +
                            " --data " + data + "/lfw",
                        &rc);
  ASSERT_EQ(rc, 0) << out;
  auto j = argus::Json::parse(out);
  for (const char* k : {"accuracy", "std", "tar_at_far_1e-3", "auc", "failures"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_GE(j["accuracy"].get<double>(), 0.9);
  EXPECT_EQ(j["failures"], 0);
}
