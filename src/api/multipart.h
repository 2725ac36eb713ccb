#pragma once
// multipart/form-data (RFC 7578) parsing for photo uploads. Bounded: at most `max_parts`
// parts; names and filenames must be clean text.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace argus::api {

struct MultipartPart {
  std::string name;
  std::optional<std::string> filename;  // set for file parts
  std::string content_type;
  std::string data;
};

// `content_type` is the request's header (it carries the boundary).
Result<std::vector<MultipartPart>> parse_multipart(std::string_view content_type, std::string_view body, size_t max_parts = 64);
bool is_multipart(std::string_view content_type);

}  // namespace argus::api
