#include "core/time.h"

#include <gtest/gtest.h>

using namespace argus;

TEST(Time, IsoRoundTrip) {
  int64_t t = 1795000000123;
  auto s = iso8601_ms(t);
  EXPECT_EQ(s.size(), 24u);
  EXPECT_EQ(parse_time_ms(s), t);
}

TEST(Time, IsoFormatsExactly) {
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1795000000123), "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(iso8601_ms(951782400007), "2000-02-29T00:00:00.007Z");  // leap day, ms padding
  EXPECT_EQ(iso8601_ms(-1), "1969-12-31T23:59:59.999Z");             // before the epoch
}

TEST(Time, ParsesOffsetsAndEpochs) {
  EXPECT_EQ(parse_time_ms("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_time_ms("1970-01-02"), 86400000);
  EXPECT_EQ(parse_time_ms("1700000000"), 1700000000000);
  EXPECT_EQ(parse_time_ms("1700000000000"), 1700000000000);
}

TEST(Time, RejectsGarbage) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-01-01T25:00:00Z", "2026-01-01Tx",
                          "2026-01-01T10:00:00Q", "'; DROP TABLE users; --"})
    EXPECT_FALSE(parse_time_ms(bad).has_value()) << bad;
}

TEST(Time, LocalDate) { EXPECT_EQ(local_date(0), "1970-01-01"); }
