#include "core/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_util.h"

using namespace argus;

TEST(Config, DefaultsLoadWithoutFile) {
  auto c = Config::load("", {}, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.port, 8080);
  EXPECT_EQ(c->storage.data_dir, "./data");
  EXPECT_EQ(c->auth.access_ttl_s, 900);
}

TEST(Config, PrecedenceFileThenEnvThenFlags) {
  argus_test::TempDir dir;
  std::string path = dir.path() + "/argus.yaml";
  std::ofstream(path) << "server:\n  port: 9000\n  threads: 3\nlog:\n  level: debug\n";
  auto file_only = Config::load(path, {}, {});
  ASSERT_TRUE(file_only.ok()) << file_only.error().message;
  EXPECT_EQ(file_only->server.port, 9000);
  EXPECT_EQ(file_only->server.threads, 3);

  auto with_env = Config::load(path, {{"ARGUS_SERVER_PORT", "9100"}}, {});
  ASSERT_TRUE(with_env.ok());
  EXPECT_EQ(with_env->server.port, 9100);
  EXPECT_EQ(with_env->server.threads, 3);

  auto with_flag = Config::load(path, {{"ARGUS_SERVER_PORT", "9100"}}, {{"server.port", "9200"}});
  ASSERT_TRUE(with_flag.ok());
  EXPECT_EQ(with_flag->server.port, 9200);
  EXPECT_EQ(with_flag->log.level, "debug");
}

TEST(Config, UnknownKeyIsAnError) {
  argus_test::TempDir dir;
  std::string path = dir.path() + "/argus.yaml";
  std::ofstream(path) << "server:\n  prot: 9000\n";
  auto c = Config::load(path, {}, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("server.prot"), std::string::npos);
}

// A renamed key (vision.tile_threads -> vision.frame_threads) still loads from a file or a flag;
// next to its new name the new one wins; a misspelt key stays an error.
TEST(Config, RenamedKeysStillLoad) {
  argus_test::TempDir dir;
  std::string path = dir.path() + "/argus.yaml";
  std::ofstream(path) << "vision:\n  tile_threads: 0\n";
  auto file = Config::load(path, {}, {});
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->tree["vision"]["frame_threads"], 0);
  EXPECT_FALSE(file->tree["vision"].contains("tile_threads"));
  std::ofstream(path) << "vision:\n  frame_threads: 2\n  tile_threads: 0\n";
  auto both = Config::load(path, {}, {});
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(both->tree["vision"]["frame_threads"], 2);
  auto flag = Config::load("", {}, {{"vision.tile_threads", "3"}});
  ASSERT_TRUE(flag.ok()) << flag.error().message;
  EXPECT_EQ(flag->tree["vision"]["frame_threads"], 3);
  auto env = Config::load("", {{"ARGUS_VISION_TILE_THREADS", "4"}}, {});
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->tree["vision"]["frame_threads"], 4);
  auto env_both = Config::load("", {{"ARGUS_VISION_TILE_THREADS", "4"}, {"ARGUS_VISION_FRAME_THREADS", "1"}}, {});
  ASSERT_TRUE(env_both.ok()) << env_both.error().message;
  EXPECT_EQ(env_both->tree["vision"]["frame_threads"], 1);
  std::ofstream(path) << "pipeline:\n  tile_threads: 0\n";  // the old name in another section
  EXPECT_FALSE(Config::load(path, {}, {}).ok());
}

TEST(Config, WrongTypeAndRangeAreErrors) {
  EXPECT_FALSE(Config::load("", {{"ARGUS_SERVER_PORT", "eighty"}}, {}).ok());
  EXPECT_FALSE(Config::load("", {}, {{"server.port", "70000"}}).ok());
  EXPECT_FALSE(Config::load("", {}, {{"log.level", "loud"}}).ok());
}

TEST(Config, TrackerKeysAreSettableAndRangeChecked) {
  auto ok = Config::load("", {}, {{"pipeline.tracker.embed_recheck_ms", "500"}, {"pipeline.tracker.min_hits", "3"}});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->tree["pipeline"]["tracker"]["embed_recheck_ms"], 500);
  EXPECT_EQ(ok->tree["pipeline"]["tracker"]["min_hits"], 3);
  auto zero_hits = Config::load("", {}, {{"pipeline.tracker.min_hits", "0"}});
  ASSERT_FALSE(zero_hits.ok());
  EXPECT_NE(zero_hits.error().message.find("pipeline.tracker.min_hits"), std::string::npos);
  auto score = Config::load("", {}, {{"pipeline.tracker.high_score", "1.5"}});
  ASSERT_FALSE(score.ok());
  EXPECT_NE(score.error().message.find("pipeline.tracker.high_score"), std::string::npos);
  EXPECT_FALSE(Config::load("", {}, {{"pipeline.tracker.embed_recheck_ms", "-1"}}).ok());
}

TEST(Config, MalformedYamlIsAnError) {
  argus_test::TempDir dir;
  std::string path = dir.path() + "/argus.yaml";
  std::ofstream(path) << "server: [unclosed\n";
  auto c = Config::load(path, {}, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "CONFIG_ERROR");
}

TEST(Config, ShippedYamlMatchesDefaults) {
  // config/argus.yaml documents every key with its default: loading it changes nothing.
  auto shipped = Config::load(std::string(ARGUS_SOURCE_DIR) + "/config/argus.yaml", {}, {});
  ASSERT_TRUE(shipped.ok()) << shipped.error().message;
  EXPECT_EQ(shipped->tree, default_config_tree());
}

TEST(Config, EnvName) { EXPECT_EQ(env_name_for("server.max_body_bytes"), "ARGUS_SERVER_MAX_BODY_BYTES"); }
