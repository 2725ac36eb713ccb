// The per-connection statement cache in Db::prepare: reuse must be invisible to callers.
#include "store/sqlite_db.h"

#include <gtest/gtest.h>

#include "test_util.h"

using namespace argus::store;

namespace {
struct DbFixture : ::testing::Test {
  void SetUp() override {
    db = std::make_unique<Db>(dir.path() + "/t.db");
    db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
    for (int i = 1; i <= 5; ++i) db->prepare("INSERT INTO t(id, v) VALUES(?, ?)").bind(1, i).bind(2, "v" + std::to_string(i)).exec();
  }
  argus_test::TempDir dir;
  std::unique_ptr<Db> db;
};
}  // namespace

TEST_F(DbFixture, ReusedStatementStartsFreshWithoutOldBindings) {
  const char* sql = "SELECT v FROM t WHERE id = ?";
  {
    auto s = db->prepare(sql);
    s.bind(1, 2);
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), "v2");
    // Left mid-result on purpose: the next borrower must not see this row or binding.
  }
  auto again = db->prepare(sql);
  EXPECT_FALSE(again.step()) << "an unbound parameter is NULL, which matches no row";
}

TEST_F(DbFixture, SameSqlTwiceInOneScopeIteratesIndependently) {
  const char* sql = "SELECT id FROM t ORDER BY id";
  auto outer = db->prepare(sql);
  int pairs = 0;
  while (outer.step()) {
    auto inner = db->prepare(sql);  // cached copy is busy: a fresh statement is prepared
    int inner_rows = 0;
    while (inner.step()) ++inner_rows;
    EXPECT_EQ(inner_rows, 5);
    ++pairs;
  }
  EXPECT_EQ(pairs, 5);
}

TEST_F(DbFixture, ManyDistinctStatementsBeyondTheCacheStillWork) {
  for (int n = 1; n <= 300; ++n) {
    std::string in = "?";
    for (int i = 1; i < n; ++i) in += ",?";
    auto s = db->prepare("SELECT COUNT(*) FROM t WHERE id IN (" + in + ")");
    for (int i = 1; i <= n; ++i) s.bind(i, i);
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.i64(0), std::min(n, 5));
  }
}

TEST_F(DbFixture, BadSqlStillThrows) {
  EXPECT_THROW(db->prepare("SELEC nonsense"), SqliteError);
  EXPECT_THROW(db->prepare("SELEC nonsense"), SqliteError) << "a failed prepare must not be cached";
}
