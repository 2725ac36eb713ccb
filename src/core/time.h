#pragma once
// Wall-clock helpers. Stored times are Unix milliseconds (UTC); the API prints ISO-8601.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace argus {

using SteadyClock = std::chrono::steady_clock;

int64_t now_unix_ms();
int64_t now_unix_s();
// "2026-11-23T10:00:00.123Z"
std::string iso8601_ms(int64_t unix_ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM]" or an integer (seconds or ms since epoch).
std::optional<int64_t> parse_time_ms(std::string_view text);
// "2026-11-23" for a time in the given UTC offset (minutes).
std::string local_date(int64_t unix_ms, int utc_offset_minutes = 0);

}  // namespace argus
