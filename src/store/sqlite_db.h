#pragma once
// Thin RAII wrappers over the SQLite C API: a connection, a prepared statement, a transaction.
// Only the store uses them; nothing outside src/store sees SQL.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace argus::store {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  bool is_constraint() const { return (code_ & 0xff) == SQLITE_CONSTRAINT; }

 private:
  int code_;
};

class Db;

// A prepared statement. Either owned (finalized when destroyed) or borrowed from its
// connection's statement cache (reset and handed back when destroyed).
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : db_(o.db_), st_(o.st_), in_use_(o.in_use_) {
    o.st_ = nullptr;
    o.in_use_ = nullptr;
  }

  Stmt& bind(int idx, int64_t v);
  Stmt& bind(int idx, int v) { return bind(idx, static_cast<int64_t>(v)); }
  Stmt& bind(int idx, double v);
  Stmt& bind(int idx, std::string_view v);
  Stmt& bind(int idx, const char* v) { return bind(idx, std::string_view(v)); }
  Stmt& bind(int idx, const std::string& v) { return bind(idx, std::string_view(v)); }
  Stmt& bind_blob(int idx, const void* data, size_t n);
  Stmt& bind_null(int idx);
  template <class T>
  Stmt& bind(int idx, const std::optional<T>& v) {
    return v ? bind(idx, *v) : bind_null(idx);
  }

  // Steps once: true while a row is available.
  bool step();
  // Runs a statement that returns no rows.
  void exec();
  void reset();

  int64_t i64(int col) const { return sqlite3_column_int64(st_, col); }
  double f64(int col) const { return sqlite3_column_double(st_, col); }
  bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::string text(int col) const;
  std::optional<int64_t> opt_i64(int col) const { return is_null(col) ? std::nullopt : std::optional(i64(col)); }
  std::vector<uint8_t> blob(int col) const;

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* cached, bool* in_use) : db_(db), st_(cached), in_use_(in_use) { *in_use_ = true; }

  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  bool* in_use_ = nullptr;  // non-null: borrowed from the connection's cache
};

class Db {
 public:
  // Opens (creating) the file with WAL, foreign keys, a busy timeout and full sync, so that
  // an acknowledged write survives a crash of the process.
  explicit Db(const std::string& path, bool read_only = false);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(std::string_view sql);
  // Parsing SQL costs more than running a small query, so statements are cached per
  // connection by their text and reused. A statement already borrowed (the same SQL twice
  // in one scope) or one past the cache's size is prepared afresh and finalized after use.
  Stmt prepare(std::string_view sql);
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  sqlite3* raw() { return db_; }

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  // Bounded: statements with generated IN (?,?,...) lists must not grow it without limit.
  static constexpr size_t kMaxCachedStatements = 128;

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, Cached> cache_;  // node-based: &Cached::in_use stays valid
};

// Commits on commit(); rolls back when destroyed without it.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) {
      try { db_.exec("ROLLBACK"); } catch (...) {}
    }
  }
  void commit() { db_.exec("COMMIT"); done_ = true; }

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace argus::store
