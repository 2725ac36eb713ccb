#include "core/paths.h"

namespace argus {

bool is_contained_relative_path(std::string_view rel) {
  if (rel.empty() || rel.find('\0') != std::string_view::npos) return false;
  std::filesystem::path p(rel);
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

bool is_below(const std::filesystem::path& path, const std::filesystem::path& root) {
  auto rel = path.lexically_normal().lexically_relative(root.lexically_normal());
  return !rel.empty() && rel != "." && *rel.begin() != "..";
}

}  // namespace argus
