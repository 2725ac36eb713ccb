#pragma once
// Path checks for files the server owns under a folder of its own (media, blobs): one rule,
// used wherever a path from a request or a stored row is joined to that folder.
#include <filesystem>
#include <string_view>

namespace argus {

// True when `rel`, joined to any folder, names something below that folder: not empty, not
// absolute (operator/ would discard the folder), no ".." component, no NUL.
bool is_contained_relative_path(std::string_view rel);

// True when `path` lies strictly below `root`, compared lexically: resolve symlinks
// (std::filesystem::canonical) first where they matter.
bool is_below(const std::filesystem::path& path, const std::filesystem::path& root);

}  // namespace argus
