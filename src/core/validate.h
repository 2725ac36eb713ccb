#pragma once
// Validates a JSON object field by field, collecting every problem into an Error's details
// (field -> messages) so a client sees all its mistakes at once. Keys never read are
// reported by reject_unknown(), so typos do not pass silently.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace argus {

// True when `s` is valid UTF-8 without control characters other than tab/newline.
bool is_clean_text(std::string_view s, bool allow_newlines = false);

class JsonValidator {
 public:
  explicit JsonValidator(const Json& body);

  std::optional<std::string> str(const std::string& key, bool required, size_t min_len = 0, size_t max_len = 255);
  std::optional<int64_t> integer(const std::string& key, bool required, int64_t lo, int64_t hi);
  std::optional<double> number(const std::string& key, bool required, double lo, double hi);
  std::optional<bool> boolean(const std::string& key, bool required);
  std::optional<Json> object(const std::string& key, bool required, size_t max_bytes = 16384);
  std::optional<std::vector<int64_t>> id_list(const std::string& key, bool required, size_t max_items = 1000);
  std::optional<std::string> one_of(const std::string& key, bool required, const std::set<std::string>& allowed);

  void add(const std::string& key, const std::string& message) { error_.details[key].push_back(message); }
  bool has(const std::string& key) const { return body_.is_object() && body_.contains(key); }
  // Reports keys that no accessor asked for.
  void reject_unknown();
  bool ok() const { return error_.details.empty(); }
  Error error() const { return error_; }

 private:
  const Json* get(const std::string& key, bool required);
  const Json& body_;
  std::set<std::string> seen_;
  Error error_{"VALIDATION_ERROR", "Invalid input data", {}};
};

}  // namespace argus
