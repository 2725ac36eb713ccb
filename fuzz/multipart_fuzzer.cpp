// libFuzzer target for the multipart/form-data parser (photo and video uploads reach it from
// any authenticated client). Input: the Content-Type header up to the first '\n', the body
// after it. Built by fuzz/run.sh with clang++ -fsanitize=fuzzer,address,undefined.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view content_type = nl == std::string_view::npos ? in : in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  constexpr size_t kMaxParts = 8;
  auto parts = argus::api::parse_multipart(content_type, body, kMaxParts);
  if (parts) {
    // The contract: bounded, named, and never more data than the body held.
    if (parts->size() > kMaxParts) std::abort();
    size_t total = 0;
    for (const auto& p : *parts) {
      if (p.name.empty() || p.name.size() > 100) std::abort();
      if (p.filename && p.filename->size() > 255) std::abort();
      total += p.data.size();
    }
    if (total > body.size()) std::abort();
  } else if (parts.error().code != "VALIDATION_ERROR" && parts.error().code != "UNSUPPORTED_MEDIA_TYPE") {
    std::abort();
  }
  return 0;
}
