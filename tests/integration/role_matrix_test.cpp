// The complete role matrix: every route in the OpenAPI document (generated from the route
// table that dispatches requests, so a new route cannot be left out) x every role.
#include <gtest/gtest.h>

#include <regex>

#include "argus_server.h"

using namespace argus_test;

namespace {
int rank(const std::string& role) { return role == "admin" ? 2 : role == "supervisor" ? 1 : role == "viewer" ? 0 : -1; }
}  // namespace

TEST(RoleMatrix, EveryRouteEveryRole) {
  ArgusServer s;
  auto c = s.client();
  std::string admin = s.admin_token();
  std::map<std::string, std::string> tokens = {{"admin", admin},
                                               {"supervisor", s.token_for_role("supervisor", admin)},
                                               {"viewer", s.token_for_role("viewer", admin)}};
  // Something for the {id} routes to find.
  c.post_json("/api/v1/cameras", {{"name", "m"}, {"source", "rtsp://10.0.0.1/x"}, {"camera_type", "rtsp"}}, admin);
  c.post_json("/api/v1/persons", {{"name", "p"}}, admin);

  auto spec = c.get("/api/v1/openapi.json").json();
  ASSERT_TRUE(spec.contains("paths"));
  int checked = 0;
  for (auto& [path, ops] : spec["paths"].items()) {
    for (auto& [method, op] : ops.items()) {
      if (op.value("x-websocket", false)) continue;
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      // Deleting the admin's own account or logging out would disturb the matrix itself.
      if (path == "/api/v1/auth/logout") continue;
      std::string concrete = std::regex_replace(path, std::regex(R"(\{[a-z_]+\})"), "999999");
      if (path.find("{task}") != std::string::npos) concrete = std::regex_replace(path, std::regex(R"(\{task\})"), "detection");
      std::string min_role = op.value("x-min-role", std::string("public"));
      // No token at all.
      auto anon = c.request(m, concrete, "", {"Content-Type: application/json"});
      if (min_role != "public") {
        EXPECT_EQ(anon.status, 401) << m << " " << path << " without a token";
      }
      for (auto& [role, token] : tokens) {
        auto r = c.request(m, concrete, "{}", {"Content-Type: application/json"}, token);
        bool allowed = min_role == "public" || rank(role) >= rank(min_role);
        if (allowed) {
          EXPECT_NE(r.status, 403) << role << " " << m << " " << path;
          EXPECT_NE(r.status, 401) << role << " " << m << " " << path;
          EXPECT_LT(r.status, 500) << role << " " << m << " " << path << " " << r.body;
        } else {
          EXPECT_EQ(r.status, 403) << role << " " << m << " " << path;
          EXPECT_EQ(r.json()["error"]["code"], "FORBIDDEN");
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 60);
}

TEST(RoleMatrix, CameraLevelPermissions) {
  ArgusServer s;
  auto c = s.client();
  std::string admin = s.admin_token();
  auto a = c.post_json("/api/v1/cameras", {{"name", "A"}, {"source", "rtsp://10.0.0.1/a"}, {"camera_type", "rtsp"}}, admin).json();
  auto b = c.post_json("/api/v1/cameras", {{"name", "B"}, {"source", "rtsp://10.0.0.2/b"}, {"camera_type", "rtsp"}}, admin).json();
  int64_t ida = a["data"]["camera"]["id"], idb = b["data"]["camera"]["id"];
  auto made = c.post_json("/api/v1/users", {{"username", "guard"}, {"password", "guard-password"}, {"role", "supervisor"}, {"camera_ids", {ida}}}, admin);
  ASSERT_EQ(made.status, 201) << made.body;
  std::string guard = s.login("guard", "guard-password");
  auto list = c.get("/api/v1/cameras", guard).json();
  ASSERT_EQ(list["data"]["cameras"].size(), 1u);
  EXPECT_EQ(list["data"]["cameras"][0]["id"], ida);
  EXPECT_EQ(c.get("/api/v1/cameras/" + std::to_string(idb), guard).status, 404);
  EXPECT_EQ(c.put_json("/api/v1/cameras/" + std::to_string(idb), {{"name", "x"}}, guard).status, 404);
  EXPECT_EQ(c.del("/api/v1/cameras/" + std::to_string(idb), guard).status, 404);
  EXPECT_EQ(c.get("/api/v1/cameras/" + std::to_string(ida), guard).status, 200);
}
