#include "core/validate.h"

#include <cmath>

namespace argus {

bool is_clean_text(std::string_view s, bool allow_newlines) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) {
        if (!(allow_newlines && (c == '\n' || c == '\t' || c == '\r'))) return false;
      }
      ++i;
      continue;
    }
    int n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0 || i + static_cast<size_t>(n) >= s.size()) return false;  // truncated sequence
    uint32_t cp = c & (0x3F >> n);
    for (int k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

JsonValidator::JsonValidator(const Json& body) : body_(body) {
  if (!body_.is_object()) error_.details["body"].push_back("must be a JSON object");
}

const Json* JsonValidator::get(const std::string& key, bool required) {
  seen_.insert(key);
  if (!body_.is_object()) return nullptr;
  auto it = body_.find(key);
  if (it == body_.end() || it->is_null()) {
    if (required) add(key, "This field is required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> JsonValidator::str(const std::string& key, bool required, size_t min_len, size_t max_len) {
  const Json* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) { add(key, "must be a string"); return std::nullopt; }
  const auto& s = v->get_ref<const std::string&>();
  if (!is_clean_text(s)) { add(key, "contains invalid characters"); return std::nullopt; }
  if (s.size() < min_len) { add(key, min_len == 1 ? "must not be empty" : "must be at least " + std::to_string(min_len) + " characters"); return std::nullopt; }
  if (s.size() > max_len) { add(key, "must be at most " + std::to_string(max_len) + " characters"); return std::nullopt; }
  return s;
}

std::optional<int64_t> JsonValidator::integer(const std::string& key, bool required, int64_t lo, int64_t hi) {
  const Json* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number_integer() && !(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>())) {
    add(key, "must be an integer");
    return std::nullopt;
  }
  double d = v->get<double>();
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    add(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

std::optional<double> JsonValidator::number(const std::string& key, bool required, double lo, double hi) {
  const Json* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number()) { add(key, "must be a number"); return std::nullopt; }
  double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    Json range = {lo, hi};
    add(key, "must be between " + range[0].dump() + " and " + range[1].dump());
    return std::nullopt;
  }
  return d;
}

std::optional<bool> JsonValidator::boolean(const std::string& key, bool required) {
  const Json* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) { add(key, "must be true or false"); return std::nullopt; }
  return v->get<bool>();
}

std::optional<Json> JsonValidator::object(const std::string& key, bool required, size_t max_bytes) {
  const Json* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_object()) { add(key, "must be an object"); return std::nullopt; }
  if (v->dump().size() > max_bytes) { add(key, "is too large"); return std::nullopt; }
  return *v;
}

std::optional<std::vector<int64_t>> JsonValidator::id_list(const std::string& key, bool required, size_t max_items) {
  const Json* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_array() || v->size() > max_items) { add(key, "must be a list of ids"); return std::nullopt; }
  std::vector<int64_t> out;
  for (const auto& e : *v) {
    if (!e.is_number_integer() || e.get<int64_t>() <= 0) { add(key, "must contain positive integer ids"); return std::nullopt; }
    out.push_back(e.get<int64_t>());
  }
  return out;
}

std::optional<std::string> JsonValidator::one_of(const std::string& key, bool required, const std::set<std::string>& allowed) {
  auto s = str(key, required, 0, 64);
  if (!s) return std::nullopt;
  if (!allowed.count(*s)) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    add(key, "must be one of: " + list);
    return std::nullopt;
  }
  return s;
}

void JsonValidator::reject_unknown() {
  if (!body_.is_object()) return;
  for (auto it = body_.begin(); it != body_.end(); ++it)
    if (!seen_.count(it.key())) add(it.key(), "Unknown field");
}

}  // namespace argus
