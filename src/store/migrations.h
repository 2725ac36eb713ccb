#pragma once
// Versioned schema migrations. Each entry is applied once, in order, inside one transaction
// together with its row in schema_migrations; never edit a released entry, append a new one.
#include <string_view>
#include <vector>

namespace argus::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& sqlite_migrations();

}  // namespace argus::store
