// The vision commands of the argus binary, end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>

#include <unistd.h>

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

// Why a test on LFW cannot run here ("" when it can).
std::string lfw_skip_reason() {
  if (!argus_test::models_present()) return "models/ not fetched (scripts/fetch-models.sh)";
  if (argus_test::eval_data_dir().empty()) return "evaluation data absent (../shared/data or ARGUS_EVAL_DATA)";
  if (!std::filesystem::exists(argus_bin())) return "argus binary not built";
  return "";
}

// The JSON that `argus ARGS --json --models ... --data <eval data>/lfw` prints (null on failure).
argus::Json lfw_json(const std::string& args) {
  int rc = 0;
  std::string out = run(argus_bin() + " " + args + " --json --models " + argus_test::models_dir() + " --data " +
                            argus_test::eval_data_dir() + "/lfw",
                        &rc);
  if (rc != 0) {
    ADD_FAILURE() << args << ": exit " << rc << "\n" << out;
    return {};
  }
  return argus::Json::parse(out);
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

// A device that cannot be used (no GPU here; GPU 97 nowhere) is a warning on stderr: stdout stays
// the JSON a script reads. The global --set reaches the vision commands (it used to be ignored).
TEST(vision_cli, DeviceWarningKeepsStdoutJson) {
  REQUIRE_MODELS();
  if (!std::filesystem::exists(argus_bin())) GTEST_SKIP() << "argus binary not built";
  for (const char* how : {"detect --device cuda:97", "--set vision.device=cuda:97 detect"}) {
    int rc = 0;
    std::string out =
        run(argus_bin() + " " + how + " --json --models " + argus_test::models_dir() + " " + argus_test::sample(4), &rc);
    ASSERT_EQ(rc, 0) << how << "\n" << out;
    auto j = argus::Json::parse(out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << how << ": stdout is not JSON:\n" << out;
    EXPECT_EQ(j["detections"][0]["count"], 4) << how;
  }
  int rc = 0;
  std::string err = run("sh -c '" + argus_bin() + " --set vision.device=cuda:97 detect --json --models " +
                            argus_test::models_dir() + " " + argus_test::sample(4) + " 2>&1 >/dev/null'",
                        &rc);
  EXPECT_NE(err.find("cuda:97"), std::string::npos) << "no warning about the device on stderr: " << err;
}

TEST(vision_cli, DetectRepeatReportsTiming) {
  REQUIRE_MODELS();
  if (!std::filesystem::exists(argus_bin())) GTEST_SKIP() << "argus binary not built";
  int rc = 0;
  std::string out = run(argus_bin() + " detect --json --embed --repeat 3 --models " + argus_test::models_dir() + " " +
                            argus_test::sample(6),
                        &rc);
  ASSERT_EQ(rc, 0) << out;
  auto j = argus::Json::parse(out);
  const auto& d = j["detections"][0];
  EXPECT_EQ(d["count"], 4);
  ASSERT_TRUE(d.contains("timing")) << out;
  EXPECT_EQ(d["timing"]["runs"], 3);
  const auto& t = d["timing"];
  EXPECT_GT(t["wall_ms_min"].get<double>(), 0.0);
  EXPECT_LE(t["wall_ms_min"].get<double>(), t["wall_ms_p50"].get<double>());
  EXPECT_LE(t["wall_ms_p50"].get<double>(), t["wall_ms_p90"].get<double>());
  EXPECT_GT(t["cpu_ms_p50"].get<double>(), 0.0);
  // Without --repeat there is no timing block.
  out = run(argus_bin() + " detect --json --models " + argus_test::models_dir() + " " + argus_test::sample(6), &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_FALSE(argus::Json::parse(out)["detections"][0].contains("timing"));
}

TEST(vision_cli, EvalLandmarksAgainstGivenPoints) {
  if (auto why = lfw_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  auto j = lfw_json("eval landmarks --images 60");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["images"], 60);
  EXPECT_EQ(j["found"], 60);
  ASSERT_TRUE(j["variants"].contains("pass1 default"));
  // fr_landmark's 5 points are within ~6 % of the eye distance of LFW's given ones on average.
  for (auto& [name, v] : j["variants"].items()) EXPECT_LT(v["nme"].get<double>(), 0.09) << name;
}

TEST(vision_cli, EvalLfwJsonKeys) {
  if (auto why = lfw_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  auto j = lfw_json("eval lfw --pairs 40");
  ASSERT_TRUE(j.is_object());
  for (const char* k : {"accuracy", "std", "tar_at_far_1e-3", "auc", "failures"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_GE(j["accuracy"].get<double>(), 0.9);
  EXPECT_EQ(j["failures"], 0);
}

// --dump writes one scores.csv row per pair (scores that agree with the reported recognisers)
// and one embeddings.tsv row per image and recogniser.
TEST(vision_cli, EvalLfwDumpsScoresAndEmbeddings) {
  if (auto why = lfw_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  auto dir = std::filesystem::temp_directory_path() / ("argus-lfw-dump-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto j = lfw_json("eval lfw --pairs 20 --dump " + dir.string());
  ASSERT_TRUE(j.is_object());
  std::ifstream sc(dir / "scores.csv"), em(dir / "embeddings.tsv");
  ASSERT_TRUE(sc && em);
  std::string line;
  std::getline(sc, line);
  EXPECT_EQ(line, "fold,same,fr_feature,faceapi_resnet128,fusion");
  int rows = 0, same = 0, folds_seen = 0, last_fold = -1;
  double same_fr = 0, diff_fr = 0;
  while (std::getline(sc, line)) {
    int fold = 0, is_same = 0;
    double fr = 0, fa = 0, fused = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d,%d,%lf,%lf,%lf", &fold, &is_same, &fr, &fa, &fused), 5) << line;
    if (fold != last_fold) { ++folds_seen; last_fold = fold; }
    // The fused score is the weighted sum of the two cosines (kFusionWeights).
    EXPECT_NEAR(fused, argus::vision::kFusionWeights.w_fr * fr + argus::vision::kFusionWeights.w_faceapi * fa, 1e-4);
    (is_same ? same_fr : diff_fr) += fr;
    same += is_same;
    ++rows;
  }
  EXPECT_EQ(rows, 20);
  EXPECT_EQ(same, 10);
  EXPECT_EQ(folds_seen, 10);
  EXPECT_GT(same_fr / 10, diff_fr / 10 + 0.2);  // genuine pairs score clearly higher
  int emb_rows = 0;
  while (std::getline(em, line)) {
    auto fields = std::count(line.begin(), line.end(), '\t') + 1;
    EXPECT_TRUE(fields == 2 + 512 || fields == 2 + 128) << fields;
    ++emb_rows;
  }
  EXPECT_GE(emb_rows, 2 * 20);  // two recognisers, at least 20 distinct images among 40
  std::filesystem::remove_all(dir);
}
