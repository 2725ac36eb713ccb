#include "api/multipart.h"

#include <algorithm>
#include <cctype>

#include "core/validate.h"

namespace argus::api {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Value of `key=` inside a header like `form-data; name="images"; filename="a.jpg"`.
std::optional<std::string> header_param(std::string_view header, std::string_view key) {
  std::string l = lower(header);
  std::string needle = std::string(key) + "=";
  size_t pos = 0;
  while ((pos = l.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || l[pos - 1] == ' ' || l[pos - 1] == ';') break;
    pos += needle.size();
  }
  if (pos == std::string::npos) return std::nullopt;
  pos += needle.size();
  if (pos < header.size() && header[pos] == '"') {
    auto end = header.find('"', pos + 1);
    if (end == std::string::npos) return std::nullopt;
    return std::string(header.substr(pos + 1, end - pos - 1));
  }
  auto end = header.find(';', pos);
  std::string v(header.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}
}  // namespace

bool is_multipart(std::string_view content_type) { return lower(content_type).rfind("multipart/form-data", 0) == 0; }

Result<std::vector<MultipartPart>> parse_multipart(std::string_view content_type, std::string_view body, size_t max_parts) {
  auto bad = [](const std::string& why) { return Error::make("VALIDATION_ERROR", "Malformed multipart body: " + why); };
  if (!is_multipart(content_type)) return Error::make("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be multipart/form-data");
  auto boundary = header_param(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) return bad("no boundary");
  std::string delim = "--" + *boundary;
  std::vector<MultipartPart> parts;
  size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return bad("boundary not found");
  pos += delim.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return bad("expected CRLF after boundary");
    pos += 2;
    auto header_end = body.find("\r\n\r\n", pos);
    if (header_end == std::string_view::npos) return bad("part headers not terminated");
    MultipartPart part;
    std::string_view headers = body.substr(pos, header_end - pos);
    size_t line_start = 0;
    while (line_start <= headers.size()) {
      auto eol = headers.find("\r\n", line_start);
      std::string_view line = headers.substr(line_start, eol == std::string_view::npos ? std::string_view::npos : eol - line_start);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string key = lower(line.substr(0, colon));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (key == "content-disposition") {
          part.name = header_param(value, "name").value_or("");
          part.filename = header_param(value, "filename");
        } else if (key == "content-type") {
          part.content_type = std::string(value);
        }
      }
      if (eol == std::string_view::npos) break;
      line_start = eol + 2;
    }
    if (part.name.empty() || part.name.size() > 100 || !is_clean_text(part.name)) return bad("a part has no valid name");
    if (part.filename && (part.filename->size() > 255 || !is_clean_text(*part.filename))) return bad("invalid filename");
    size_t data_start = header_end + 4;
    auto next = body.find("\r\n" + delim, data_start);
    if (next == std::string_view::npos) return bad("unterminated part");
    part.data = std::string(body.substr(data_start, next - data_start));
    parts.push_back(std::move(part));
    if (parts.size() > max_parts) return bad("too many parts");
    pos = next + 2 + delim.size();
  }
}

}  // namespace argus::api
