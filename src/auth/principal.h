#pragma once
// Who is calling: the user behind a verified token, with the role and camera set that
// every route and service checks.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace argus::auth {

enum class Role { viewer = 0, supervisor = 1, admin = 2 };

inline std::optional<Role> parse_role(const std::string& s) {
  if (s == "viewer") return Role::viewer;
  if (s == "supervisor") return Role::supervisor;
  if (s == "admin") return Role::admin;
  return std::nullopt;
}

inline const char* role_name(Role r) {
  switch (r) {
    case Role::admin: return "admin";
    case Role::supervisor: return "supervisor";
    default: return "viewer";
  }
}

struct Principal {
  int64_t user_id = 0;
  std::string username;
  Role role = Role::viewer;
  std::vector<int64_t> camera_ids;  // empty: every camera
  std::string jti;
  int64_t token_exp = 0;
  bool can_see_camera(int64_t id) const {
    return camera_ids.empty() || std::find(camera_ids.begin(), camera_ids.end(), id) != camera_ids.end();
  }
};

}  // namespace argus::auth
