// SQLite implementation of Store. One writer connection behind a mutex (SQLite allows one
// writer anyway) and a small pool of reader connections, which WAL lets run beside it.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>

#include "core/time.h"
#include "store/migrations.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace argus::store {

namespace {

std::string to_text(const Json& j) { return j.dump(); }
Json from_text(const std::string& s) {
  auto j = Json::parse(s, nullptr, false);
  return j.is_discarded() ? Json::object() : j;
}
std::string ids_text(const std::vector<int64_t>& ids) { return Json(ids).dump(); }
std::vector<int64_t> ids_from(const std::string& s) {
  auto j = Json::parse(s, nullptr, false);
  std::vector<int64_t> out;
  if (j.is_array())
    for (auto& v : j)
      if (v.is_number_integer()) out.push_back(v.get<int64_t>());
  return out;
}
// LIKE pattern with user text escaped, so % and _ in a search match themselves.
std::string like_pattern(const std::string& s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}
// The next id of a table whose ids must never be reused (migration 2): one more than both
// the last id handed out and the largest id present.
int64_t next_id(Db& db, const char* table) {
  std::string max_id = std::string("(SELECT COALESCE(MAX(id), 0) FROM ") + table + ")";
  auto s = db.prepare("INSERT INTO id_sequence(name, last) VALUES(?, " + max_id + " + 1) "
                      "ON CONFLICT(name) DO UPDATE SET last = MAX(last, " + max_id + ") + 1 RETURNING last");
  s.bind(1, table);
  if (!s.step()) throw SqliteError(std::string("id_sequence returned no id for ") + table, SQLITE_ERROR);
  return s.i64(0);
}
int64_t offset_of(const PageRequest& p) { return int64_t{p.page - 1} * p.per_page; }

// Builds "WHERE a AND b" with positional binds collected as closures.
struct Where {
  std::string sql;
  std::vector<std::function<void(Stmt&, int)>> binds;
  void add(const std::string& clause) { sql += (sql.empty() ? " WHERE " : " AND ") + clause; }
  template <class T>
  void add(const std::string& clause, T value) {
    add(clause);
    binds.push_back([value](Stmt& s, int i) { s.bind(i, value); });
  }
  void add_ids(const std::string& column, const std::vector<int64_t>& ids) {
    std::string list;
    for (auto id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
    add(column + " IN (" + list + ")");
  }
  int apply(Stmt& s) const {
    int i = 1;
    for (auto& b : binds) b(s, i++);
    return i;
  }
};

constexpr const char* kUserCols = "id, username, password_hash, role, camera_ids, created_at, updated_at, last_login";
UserRecord read_user(Stmt& s) {
  UserRecord u;
  u.id = s.i64(0);
  u.username = s.text(1);
  u.password_hash = s.text(2);
  u.role = s.text(3);
  u.camera_ids = ids_from(s.text(4));
  u.created_at = s.i64(5);
  u.updated_at = s.i64(6);
  u.last_login = s.opt_i64(7);
  return u;
}

constexpr const char* kCameraCols =
    "id, name, source_masked, source_sealed, has_credentials, camera_type, status, resolution_width, "
    "resolution_height, fps, settings, detection, location, is_active, created_at, updated_at";
CameraRecord read_camera(Stmt& s) {
  CameraRecord c;
  c.id = s.i64(0);
  c.name = s.text(1);
  c.source_masked = s.text(2);
  c.source_sealed = s.blob(3);
  c.has_credentials = s.i64(4) != 0;
  c.camera_type = s.text(5);
  c.status = s.text(6);
  c.width = static_cast<int>(s.i64(7));
  c.height = static_cast<int>(s.i64(8));
  c.fps = static_cast<int>(s.i64(9));
  c.settings = from_text(s.text(10));
  c.detection = from_text(s.text(11));
  c.location = from_text(s.text(12));
  c.is_active = s.i64(13) != 0;
  c.created_at = s.i64(14);
  c.updated_at = s.i64(15);
  return c;
}

constexpr const char* kPersonCols =
    "id, name, employee_id, department, metadata, consent_given, consent_date, created_at, updated_at, last_seen";
PersonRecord read_person(Stmt& s) {
  PersonRecord p;
  p.id = s.i64(0);
  p.name = s.text(1);
  p.employee_id = s.text(2);
  p.department = s.text(3);
  p.metadata = from_text(s.text(4));
  p.consent_given = s.i64(5) != 0;
  p.consent_date = s.text(6);
  p.created_at = s.i64(7);
  p.updated_at = s.i64(8);
  p.last_seen = s.opt_i64(9);
  return p;
}

constexpr const char* kImageCols = "id, person_id, path, sha256, width, height, quality, created_at";
ImageRecord read_image(Stmt& s) {
  ImageRecord i;
  i.id = s.i64(0);
  i.person_id = s.i64(1);
  i.path = s.text(2);
  i.sha256 = s.text(3);
  i.width = static_cast<int>(s.i64(4));
  i.height = static_cast<int>(s.i64(5));
  i.quality = s.f64(6);
  i.created_at = s.i64(7);
  return i;
}

constexpr const char* kSightingCols =
    "s.id, s.camera_id, COALESCE(c.name,''), s.track_id, s.person_id, COALESCE(p.name,''), s.first_seen, "
    "s.last_seen, s.best_confidence, s.similarity, s.frame_count, s.snapshot_path";
constexpr const char* kSightingFrom =
    " FROM sightings s LEFT JOIN cameras c ON c.id = s.camera_id LEFT JOIN persons p ON p.id = s.person_id";
SightingRecord read_sighting(Stmt& s) {
  SightingRecord r;
  r.id = s.i64(0);
  r.camera_id = s.i64(1);
  r.camera_name = s.text(2);
  r.track_id = s.i64(3);
  r.person_id = s.opt_i64(4);
  r.person_name = s.text(5);
  r.first_seen = s.i64(6);
  r.last_seen = s.i64(7);
  r.best_confidence = s.f64(8);
  r.similarity = s.f64(9);
  r.frame_count = s.i64(10);
  r.snapshot_path = s.text(11);
  return r;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, int readers) : writer_(path) {
    migrate();
    for (int i = 0; i < std::max(1, readers); ++i) readers_.push_back(std::make_unique<Db>(path));
    for (auto& r : readers_) free_.push_back(r.get());
  }

  // ---- users ----
  UserRecord create_user(const UserRecord& u) override {
    return write_tx([&](Db& db) {  // the new id and the row in one commit
      int64_t now = now_unix_ms();
      int64_t id = 0;
      try {
        id = next_id(db, "users");
        db.prepare("INSERT INTO users(username, password_hash, role, camera_ids, created_at, updated_at, id) VALUES(?,?,?,?,?,?,?)")
            .bind(1, u.username).bind(2, u.password_hash).bind(3, u.role).bind(4, ids_text(u.camera_ids))
            .bind(5, now).bind(6, now).bind(7, id).exec();
      } catch (const SqliteError& e) {
        if (e.is_constraint()) throw StoreError(StoreError::Kind::Conflict, "username already exists");
        throw;
      }
      UserRecord out = u;
      out.id = id;
      out.created_at = out.updated_at = now;
      return out;
    });
  }
  std::optional<UserRecord> user_by_id(int64_t id) override {
    return read([&](Db& db) -> std::optional<UserRecord> {
      auto s = db.prepare(std::string("SELECT ") + kUserCols + " FROM users WHERE id=?");
      s.bind(1, id);
      if (!s.step()) return std::nullopt;
      return read_user(s);
    });
  }
  std::optional<UserRecord> user_by_name(const std::string& name) override {
    return read([&](Db& db) -> std::optional<UserRecord> {
      auto s = db.prepare(std::string("SELECT ") + kUserCols + " FROM users WHERE username=?");
      s.bind(1, name);
      if (!s.step()) return std::nullopt;
      return read_user(s);
    });
  }
  Page<UserRecord> list_users(const PageRequest& p, const std::optional<std::string>& search) override {
    return read([&](Db& db) {
      Where w;
      if (search) w.add("username LIKE ? ESCAPE '\\'", like_pattern(*search));
      Page<UserRecord> page;
      auto c = db.prepare("SELECT COUNT(*) FROM users" + w.sql);
      w.apply(c);
      c.step();
      page.total = c.i64(0);
      auto s = db.prepare(std::string("SELECT ") + kUserCols + " FROM users" + w.sql + " ORDER BY id LIMIT ? OFFSET ?");
      int i = w.apply(s);
      s.bind(i, int64_t{p.per_page}).bind(i + 1, offset_of(p));
      while (s.step()) page.items.push_back(read_user(s));
      return page;
    });
  }
  bool update_user(const UserRecord& u) override {
    return write([&](Db& db) {
      db.prepare("UPDATE users SET username=?, password_hash=?, role=?, camera_ids=?, updated_at=? WHERE id=?")
          .bind(1, u.username).bind(2, u.password_hash).bind(3, u.role).bind(4, ids_text(u.camera_ids))
          .bind(5, now_unix_ms()).bind(6, u.id).exec();
      return db.changes() > 0;
    });
  }
  bool delete_user(int64_t id) override {
    return write([&](Db& db) {
      db.prepare("DELETE FROM users WHERE id=?").bind(1, id).exec();
      return db.changes() > 0;
    });
  }
  void set_last_login(int64_t id, int64_t when) override {
    write([&](Db& db) { db.prepare("UPDATE users SET last_login=? WHERE id=?").bind(1, when).bind(2, id).exec(); return 0; });
  }
  int64_t count_users() override {
    return read([&](Db& db) { auto s = db.prepare("SELECT COUNT(*) FROM users"); s.step(); return s.i64(0); });
  }
  void add_refresh_token(const RefreshTokenRecord& t) override {
    write([&](Db& db) {
      db.prepare("INSERT INTO refresh_tokens(user_id, token_hash, expires_at, created_at) VALUES(?,?,?,?)")
          .bind(1, t.user_id).bind(2, t.token_hash).bind(3, t.expires_at).bind(4, now_unix_ms()).exec();
      return 0;
    });
  }
  std::optional<RefreshTokenRecord> refresh_token(const std::string& hash) override {
    return read([&](Db& db) -> std::optional<RefreshTokenRecord> {
      auto s = db.prepare("SELECT id, user_id, token_hash, expires_at, revoked_at FROM refresh_tokens WHERE token_hash=?");
      s.bind(1, hash);
      if (!s.step()) return std::nullopt;
      return RefreshTokenRecord{s.i64(0), s.i64(1), s.text(2), s.i64(3), s.opt_i64(4)};
    });
  }
  bool revoke_refresh_token(const std::string& hash, int64_t when) override {
    return write([&](Db& db) {
      db.prepare("UPDATE refresh_tokens SET revoked_at=? WHERE token_hash=? AND revoked_at IS NULL")
          .bind(1, when).bind(2, hash).exec();
      return db.changes() > 0;
    });
  }
  void revoke_user_tokens(int64_t user_id, int64_t when) override {
    write([&](Db& db) {
      db.prepare("UPDATE refresh_tokens SET revoked_at=? WHERE user_id=? AND revoked_at IS NULL")
          .bind(1, when).bind(2, user_id).exec();
      return 0;
    });
  }

  // ---- cameras ----
  CameraRecord create_camera(const CameraRecord& c) override {
    return write_tx([&](Db& db) {  // the new id and the row in one commit
      int64_t now = now_unix_ms();
      auto s = db.prepare(
          "INSERT INTO cameras(name, source_masked, source_sealed, has_credentials, camera_type, status, "
          "resolution_width, resolution_height, fps, settings, detection, location, is_active, created_at, updated_at, id) "
          "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      int64_t id = next_id(db, "cameras");
      bind_camera(s, c);
      s.bind(14, now).bind(15, now).bind(16, id).exec();
      CameraRecord out = c;
      out.id = id;
      out.created_at = out.updated_at = now;
      return out;
    });
  }
  std::optional<CameraRecord> camera(int64_t id) override {
    return read([&](Db& db) -> std::optional<CameraRecord> {
      auto s = db.prepare(std::string("SELECT ") + kCameraCols + " FROM cameras WHERE id=?");
      s.bind(1, id);
      if (!s.step()) return std::nullopt;
      return read_camera(s);
    });
  }
  Page<CameraRecord> list_cameras(const PageRequest& p, const CameraFilter& f) override {
    return read([&](Db& db) {
      Where w;
      if (f.status) w.add("status = ?", *f.status);
      if (f.type) w.add("camera_type = ?", *f.type);
      if (f.search) {
        w.add("(name LIKE ? ESCAPE '\\' OR source_masked LIKE ? ESCAPE '\\' OR location LIKE ? ESCAPE '\\')");
        std::string pat = like_pattern(*f.search);
        for (int k = 0; k < 3; ++k) w.binds.push_back([pat](Stmt& s, int i) { s.bind(i, pat); });
      }
      if (!f.allowed_ids.empty()) w.add_ids("id", f.allowed_ids);
      Page<CameraRecord> page;
      auto c = db.prepare("SELECT COUNT(*) FROM cameras" + w.sql);
      w.apply(c);
      c.step();
      page.total = c.i64(0);
      auto s = db.prepare(std::string("SELECT ") + kCameraCols + " FROM cameras" + w.sql + " ORDER BY id LIMIT ? OFFSET ?");
      int i = w.apply(s);
      s.bind(i, int64_t{p.per_page}).bind(i + 1, offset_of(p));
      page.items.reserve(static_cast<size_t>(std::max(0, p.per_page)));
      while (s.step()) page.items.push_back(read_camera(s));
      return page;
    });
  }
  std::vector<CameraRecord> all_cameras() override {
    return read([&](Db& db) {
      std::vector<CameraRecord> out;
      auto s = db.prepare(std::string("SELECT ") + kCameraCols + " FROM cameras ORDER BY id");
      while (s.step()) out.push_back(read_camera(s));
      return out;
    });
  }
  bool update_camera(const CameraRecord& c) override {
    return write([&](Db& db) {
      auto s = db.prepare(
          "UPDATE cameras SET name=?, source_masked=?, source_sealed=?, has_credentials=?, camera_type=?, status=?, "
          "resolution_width=?, resolution_height=?, fps=?, settings=?, detection=?, location=?, is_active=?, "
          "updated_at=? WHERE id=?");
      bind_camera(s, c);
      s.bind(14, now_unix_ms()).bind(15, c.id).exec();
      return db.changes() > 0;
    });
  }
  bool set_camera_status(int64_t id, const std::string& status, bool active) override {
    return write([&](Db& db) {
      db.prepare("UPDATE cameras SET status=?, is_active=? WHERE id=?").bind(1, status).bind(2, int64_t{active}).bind(3, id).exec();
      return db.changes() > 0;
    });
  }
  bool delete_camera(int64_t id) override {
    return write([&](Db& db) {
      db.prepare("DELETE FROM cameras WHERE id=?").bind(1, id).exec();
      return db.changes() > 0;
    });
  }

  // ---- persons ----
  PersonRecord create_person(const PersonRecord& p) override {
    return write_tx([&](Db& db) {  // the new id and the row in one commit
      int64_t now = now_unix_ms();
      int64_t id = next_id(db, "persons");
      db.prepare("INSERT INTO persons(name, employee_id, department, metadata, consent_given, consent_date, created_at, updated_at, id) VALUES(?,?,?,?,?,?,?,?,?)")
          .bind(1, p.name).bind(2, p.employee_id).bind(3, p.department).bind(4, to_text(p.metadata))
          .bind(5, int64_t{p.consent_given}).bind(6, p.consent_date).bind(7, now).bind(8, now).bind(9, id).exec();
      PersonRecord out = p;
      out.id = id;
      out.created_at = out.updated_at = now;
      return out;
    });
  }
  std::optional<PersonRecord> person(int64_t id) override {
    return read([&](Db& db) -> std::optional<PersonRecord> {
      auto s = db.prepare(std::string("SELECT ") + kPersonCols + " FROM persons WHERE id=?");
      s.bind(1, id);
      if (!s.step()) return std::nullopt;
      return read_person(s);
    });
  }
  Page<PersonRecord> list_persons(const PageRequest& p, const std::optional<std::string>& search) override {
    return read([&](Db& db) {
      Where w;
      if (search) {
        w.add("(name LIKE ? ESCAPE '\\' OR employee_id LIKE ? ESCAPE '\\' OR department LIKE ? ESCAPE '\\')");
        std::string pat = like_pattern(*search);
        for (int k = 0; k < 3; ++k) w.binds.push_back([pat](Stmt& s, int i) { s.bind(i, pat); });
      }
      Page<PersonRecord> page;
      auto c = db.prepare("SELECT COUNT(*) FROM persons" + w.sql);
      w.apply(c);
      c.step();
      page.total = c.i64(0);
      auto s = db.prepare(std::string("SELECT ") + kPersonCols + " FROM persons" + w.sql + " ORDER BY name, id LIMIT ? OFFSET ?");
      int i = w.apply(s);
      s.bind(i, int64_t{p.per_page}).bind(i + 1, offset_of(p));
      while (s.step()) page.items.push_back(read_person(s));
      return page;
    });
  }
  bool update_person(const PersonRecord& p) override {
    return write([&](Db& db) {
      db.prepare("UPDATE persons SET name=?, employee_id=?, department=?, metadata=?, consent_given=?, consent_date=?, updated_at=? WHERE id=?")
          .bind(1, p.name).bind(2, p.employee_id).bind(3, p.department).bind(4, to_text(p.metadata))
          .bind(5, int64_t{p.consent_given}).bind(6, p.consent_date).bind(7, now_unix_ms()).bind(8, p.id).exec();
      return db.changes() > 0;
    });
  }
  bool delete_person(int64_t id) override {
    return write([&](Db& db) {
      db.prepare("DELETE FROM persons WHERE id=?").bind(1, id).exec();
      return db.changes() > 0;
    });
  }
  void touch_person_last_seen(int64_t id, int64_t when) override {
    write([&](Db& db) {
      db.prepare("UPDATE persons SET last_seen=MAX(COALESCE(last_seen,0),?) WHERE id=?").bind(1, when).bind(2, id).exec();
      return 0;
    });
  }
  ImageRecord add_image(const ImageRecord& img, std::vector<EmbeddingRecord>& embs) override {
    return write_tx([&](Db& db) {
      int64_t now = now_unix_ms();
      db.prepare("INSERT INTO person_images(person_id, path, sha256, width, height, quality, created_at) VALUES(?,?,?,?,?,?,?)")
          .bind(1, img.person_id).bind(2, img.path).bind(3, img.sha256).bind(4, img.width).bind(5, img.height)
          .bind(6, img.quality).bind(7, now).exec();
      ImageRecord out = img;
      out.id = db.last_insert_id();
      out.created_at = now;
      auto s = db.prepare("INSERT INTO embeddings(person_id, image_id, model, dim, vector, quality, created_at) VALUES(?,?,?,?,?,?,?)");
      for (auto& e : embs) {
        s.bind(1, img.person_id).bind(2, out.id).bind(3, e.model).bind(4, static_cast<int64_t>(e.vector.size()))
            .bind_blob(5, e.vector.data(), e.vector.size() * sizeof(float)).bind(6, e.quality).bind(7, now);
        s.exec();
        e.id = db.last_insert_id();
        e.image_id = out.id;
        e.person_id = img.person_id;
      }
      return out;
    });
  }
  std::vector<int64_t> embedding_ids_for_image(int64_t image_id) override {
    return read([&](Db& db) {
      std::vector<int64_t> out;
      auto s = db.prepare("SELECT id FROM embeddings WHERE image_id=?");
      s.bind(1, image_id);
      while (s.step()) out.push_back(s.i64(0));
      return out;
    });
  }
  std::vector<ImageRecord> person_images(int64_t person_id) override {
    return read([&](Db& db) {
      std::vector<ImageRecord> out;
      auto s = db.prepare(std::string("SELECT ") + kImageCols + " FROM person_images WHERE person_id=? ORDER BY id");
      s.bind(1, person_id);
      while (s.step()) out.push_back(read_image(s));
      return out;
    });
  }
  std::optional<ImageRecord> image(int64_t id) override {
    return read([&](Db& db) -> std::optional<ImageRecord> {
      auto s = db.prepare(std::string("SELECT ") + kImageCols + " FROM person_images WHERE id=?");
      s.bind(1, id);
      if (!s.step()) return std::nullopt;
      return read_image(s);
    });
  }
  bool delete_image(int64_t id) override {
    return write([&](Db& db) {
      db.prepare("DELETE FROM person_images WHERE id=?").bind(1, id).exec();
      return db.changes() > 0;
    });
  }
  std::vector<EmbeddingRecord> all_embeddings() override {
    return read([&](Db& db) {
      std::vector<EmbeddingRecord> out;
      auto s = db.prepare("SELECT id, person_id, image_id, model, vector, quality, created_at FROM embeddings ORDER BY id");
      while (s.step()) {
        EmbeddingRecord e;
        e.id = s.i64(0);
        e.person_id = s.i64(1);
        e.image_id = s.opt_i64(2);
        e.model = s.text(3);
        auto bytes = s.blob(4);
        e.vector.resize(bytes.size() / sizeof(float));
        std::memcpy(e.vector.data(), bytes.data(), e.vector.size() * sizeof(float));
        e.quality = s.f64(5);
        e.created_at = s.i64(6);
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  // ---- audit ----
  void append_audit(const AuditRecord& r) override {
    write([&](Db& db) {
      db.prepare("INSERT INTO audit_log(time, user_id, username, action, resource, resource_id, client, result, details) VALUES(?,?,?,?,?,?,?,?,?)")
          .bind(1, r.time ? r.time : now_unix_ms()).bind(2, r.user_id).bind(3, r.username).bind(4, r.action)
          .bind(5, r.resource).bind(6, r.resource_id).bind(7, r.client).bind(8, r.result).bind(9, to_text(r.details)).exec();
      return 0;
    });
  }
  Page<AuditRecord> list_audit(const PageRequest& p, const AuditFilter& f) override {
    return read([&](Db& db) {
      Where w;
      if (f.username) w.add("username = ?", *f.username);
      if (f.action) w.add("action = ?", *f.action);
      if (f.resource) w.add("resource = ?", *f.resource);
      if (f.start_ms) w.add("time >= ?", *f.start_ms);
      if (f.end_ms) w.add("time <= ?", *f.end_ms);
      Page<AuditRecord> page;
      auto c = db.prepare("SELECT COUNT(*) FROM audit_log" + w.sql);
      w.apply(c);
      c.step();
      page.total = c.i64(0);
      auto s = db.prepare("SELECT id, time, user_id, username, action, resource, resource_id, client, result, details FROM audit_log" +
                          w.sql + " ORDER BY id DESC LIMIT ? OFFSET ?");
      int i = w.apply(s);
      s.bind(i, int64_t{p.per_page}).bind(i + 1, offset_of(p));
      while (s.step())
        page.items.push_back(AuditRecord{s.i64(0), s.i64(1), s.opt_i64(2), s.text(3), s.text(4), s.text(5), s.text(6),
                                         s.text(7), s.text(8), from_text(s.text(9))});
      return page;
    });
  }

  // ---- config / meta ----
  Json system_config() override {
    return read([&](Db& db) {
      Json out = Json::object();
      auto s = db.prepare("SELECT key, value FROM system_config");
      while (s.step()) {
        auto v = Json::parse(s.text(1), nullptr, false);
        if (!v.is_discarded()) out[s.text(0)] = v;
      }
      return out;
    });
  }
  void put_system_config(const Json& values, std::optional<int64_t> user_id) override {
    write_tx([&](Db& db) {
      auto s = db.prepare("INSERT INTO system_config(key, value, updated_at, updated_by) VALUES(?,?,?,?) "
                          "ON CONFLICT(key) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at, updated_by=excluded.updated_by");
      for (auto it = values.begin(); it != values.end(); ++it) {
        s.bind(1, it.key()).bind(2, it.value().dump()).bind(3, now_unix_ms()).bind(4, user_id);
        s.exec();
      }
      return 0;
    });
  }
  std::optional<std::string> meta(const std::string& key) override {
    return read([&](Db& db) -> std::optional<std::string> {
      auto s = db.prepare("SELECT value FROM meta WHERE key=?");
      s.bind(1, key);
      if (!s.step()) return std::nullopt;
      return s.text(0);
    });
  }
  void set_meta(const std::string& key, const std::string& value) override {
    write([&](Db& db) {
      db.prepare("INSERT INTO meta(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value")
          .bind(1, key).bind(2, value).exec();
      return 0;
    });
  }

  // ---- video jobs ----
  void put_video_job(const VideoJobRecord& j) override {
    write([&](Db& db) {
      db.prepare("INSERT INTO video_jobs(id, user_id, status, created_at, finished_at, body) VALUES(?,?,?,?,?,?) "
                 "ON CONFLICT(id) DO UPDATE SET status=excluded.status, finished_at=excluded.finished_at, body=excluded.body")
          .bind(1, j.id).bind(2, j.user_id).bind(3, j.status).bind(4, j.created_at).bind(5, j.finished_at).bind(6, j.body.dump())
          .exec();
      return 0;
    });
  }
  std::vector<VideoJobRecord> video_jobs() override {
    return read([&](Db& db) {
      std::vector<VideoJobRecord> out;
      auto s = db.prepare("SELECT id, user_id, status, created_at, finished_at, body FROM video_jobs ORDER BY created_at, id");
      while (s.step()) {
        auto body = Json::parse(s.text(5), nullptr, false);
        out.push_back(VideoJobRecord{s.text(0), s.i64(1), s.text(2), s.i64(3), s.i64(4),
                                     body.is_discarded() ? Json::object() : std::move(body)});
      }
      return out;
    });
  }
  bool delete_video_job(const std::string& id) override {
    return write([&](Db& db) {
      db.prepare("DELETE FROM video_jobs WHERE id=?").bind(1, id).exec();
      return db.changes() > 0;
    });
  }

  // ---- sightings / attendance ----
  int64_t upsert_sighting(const SightingRecord& r) override {
    return write([&](Db& db) {
      if (r.id == 0) {
        db.prepare("INSERT INTO sightings(camera_id, track_id, person_id, first_seen, last_seen, best_confidence, similarity, frame_count, snapshot_path) VALUES(?,?,?,?,?,?,?,?,?)")
            .bind(1, r.camera_id).bind(2, r.track_id).bind(3, r.person_id).bind(4, r.first_seen).bind(5, r.last_seen)
            .bind(6, r.best_confidence).bind(7, r.similarity).bind(8, r.frame_count).bind(9, r.snapshot_path).exec();
        return db.last_insert_id();
      }
      db.prepare("UPDATE sightings SET person_id=?, last_seen=?, best_confidence=?, similarity=?, frame_count=?, snapshot_path=? WHERE id=?")
          .bind(1, r.person_id).bind(2, r.last_seen).bind(3, r.best_confidence).bind(4, r.similarity)
          .bind(5, r.frame_count).bind(6, r.snapshot_path).bind(7, r.id).exec();
      return r.id;
    });
  }
  PrunedSightings delete_sightings_before(int64_t cutoff) override {
    return prune_sightings(cutoff, "DELETE FROM sightings WHERE last_seen < ?");
  }
  PrunedSightings clear_snapshots_before(int64_t cutoff) override {
    return prune_sightings(cutoff, "UPDATE sightings SET snapshot_path='' WHERE last_seen < ? AND snapshot_path != ''");
  }
  std::optional<SightingRecord> sighting(int64_t id) override {
    return read([&](Db& db) -> std::optional<SightingRecord> {
      auto s = db.prepare(std::string("SELECT ") + kSightingCols + kSightingFrom + " WHERE s.id=?");
      s.bind(1, id);
      if (!s.step()) return std::nullopt;
      return read_sighting(s);
    });
  }
  Page<SightingRecord> list_sightings(const PageRequest& p, const SightingFilter& f) override {
    return read([&](Db& db) {
      Where w;
      if (f.camera_id) w.add("s.camera_id = ?", *f.camera_id);
      if (f.person_id) w.add("s.person_id = ?", *f.person_id);
      if (f.unknown_only) w.add("s.person_id IS NULL");
      if (f.start_ms) w.add("s.last_seen >= ?", *f.start_ms);
      if (f.end_ms) w.add("s.first_seen <= ?", *f.end_ms);
      if (f.min_confidence) w.add("s.best_confidence >= ?", *f.min_confidence);
      if (!f.allowed_camera_ids.empty()) w.add_ids("s.camera_id", f.allowed_camera_ids);
      Page<SightingRecord> page;
      auto c = db.prepare(std::string("SELECT COUNT(*)") + kSightingFrom + w.sql);
      w.apply(c);
      c.step();
      page.total = c.i64(0);
      auto s = db.prepare(std::string("SELECT ") + kSightingCols + kSightingFrom + w.sql + " ORDER BY s.first_seen DESC, s.id DESC LIMIT ? OFFSET ?");
      int i = w.apply(s);
      s.bind(i, int64_t{p.per_page}).bind(i + 1, offset_of(p));
      while (s.step()) page.items.push_back(read_sighting(s));
      return page;
    });
  }
  void record_attendance(int64_t person_id, const std::string& date, int64_t when, int64_t camera_id) override {
    write_tx([&](Db& db) {
      auto s = db.prepare("SELECT first_seen, last_seen, camera_ids FROM attendance WHERE person_id=? AND date=?");
      s.bind(1, person_id).bind(2, date);
      if (!s.step()) {
        db.prepare("INSERT INTO attendance(person_id, date, first_seen, last_seen, camera_ids) VALUES(?,?,?,?,?)")
            .bind(1, person_id).bind(2, date).bind(3, when).bind(4, when).bind(5, ids_text({camera_id})).exec();
      } else {
        int64_t first = std::min(s.i64(0), when), last = std::max(s.i64(1), when);
        auto ids = ids_from(s.text(2));
        if (std::find(ids.begin(), ids.end(), camera_id) == ids.end()) ids.push_back(camera_id);
        s.reset();
        db.prepare("UPDATE attendance SET first_seen=?, last_seen=?, camera_ids=? WHERE person_id=? AND date=?")
            .bind(1, first).bind(2, last).bind(3, ids_text(ids)).bind(4, person_id).bind(5, date).exec();
      }
      db.prepare("UPDATE persons SET last_seen=MAX(COALESCE(last_seen,0),?) WHERE id=?").bind(1, when).bind(2, person_id).exec();
      return 0;
    });
  }
  std::vector<AttendanceRecord> attendance(const std::optional<std::string>& from, const std::optional<std::string>& to,
                                           std::optional<int64_t> person_id) override {
    return read([&](Db& db) {
      Where w;
      if (from) w.add("a.date >= ?", *from);
      if (to) w.add("a.date <= ?", *to);
      if (person_id) w.add("a.person_id = ?", *person_id);
      auto s = db.prepare("SELECT a.person_id, p.name, a.date, a.first_seen, a.last_seen, a.camera_ids FROM attendance a "
                          "JOIN persons p ON p.id = a.person_id" + w.sql + " ORDER BY a.date DESC, a.first_seen");
      w.apply(s);
      std::vector<AttendanceRecord> out;
      while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.i64(3), s.i64(4), ids_from(s.text(5))});
      return out;
    });
  }

  bool ping() override {
    try {
      return read([&](Db& db) { auto s = db.prepare("SELECT 1"); return s.step(); });
    } catch (...) {
      return false;
    }
  }
  std::string integrity_check() override {
    return read([&](Db& db) { auto s = db.prepare("PRAGMA integrity_check"); s.step(); return s.text(0); });
  }

 private:
  // Runs `sql` (one parameter: the cutoff) on the sightings last seen before the cutoff, and
  // returns the rows it changed and the snapshot paths those rows had.
  PrunedSightings prune_sightings(int64_t cutoff, const char* sql) {
    return write_tx([&](Db& db) {
      PrunedSightings out;
      auto q = db.prepare("SELECT snapshot_path FROM sightings WHERE last_seen < ? AND snapshot_path != ''");
      q.bind(1, cutoff);
      while (q.step()) out.snapshot_paths.push_back(q.text(0));
      db.prepare(sql).bind(1, cutoff).exec();
      out.rows = static_cast<size_t>(db.changes());
      return out;
    });
  }
  void bind_camera(Stmt& s, const CameraRecord& c) {
    s.bind(1, c.name).bind(2, c.source_masked).bind_blob(3, c.source_sealed.data(), c.source_sealed.size())
        .bind(4, int64_t{c.has_credentials}).bind(5, c.camera_type).bind(6, c.status).bind(7, c.width)
        .bind(8, c.height).bind(9, c.fps).bind(10, to_text(c.settings)).bind(11, to_text(c.detection))
        .bind(12, to_text(c.location)).bind(13, int64_t{c.is_active});
  }

  void migrate() {
    writer_.exec("CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    int current = 0;
    {
      auto s = writer_.prepare("SELECT COALESCE(MAX(version),0) FROM schema_migrations");
      s.step();
      current = static_cast<int>(s.i64(0));
    }
    for (const auto& m : sqlite_migrations()) {
      if (m.version <= current) continue;
      Transaction tx(writer_);
      writer_.exec(m.sql);
      writer_.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES(?,?,?)")
          .bind(1, m.version).bind(2, m.name).bind(3, now_unix_ms()).exec();
      tx.commit();
      spdlog::info("store: applied migration {} ({})", m.version, m.name);
    }
  }

  template <class F>
  auto write(F&& fn) -> decltype(fn(std::declval<Db&>())) {
    std::lock_guard lock(write_mu_);
    try {
      return fn(writer_);
    } catch (const SqliteError& e) {
      throw StoreError(e.is_constraint() ? StoreError::Kind::Conflict : StoreError::Kind::Internal, e.what());
    }
  }
  template <class F>
  auto write_tx(F&& fn) -> decltype(fn(std::declval<Db&>())) {
    return write([&](Db& db) {
      Transaction tx(db);
      auto result = fn(db);
      tx.commit();
      return result;
    });
  }
  template <class F>
  auto read(F&& fn) -> decltype(fn(std::declval<Db&>())) {
    Db* db = acquire();
    struct Release {
      SqliteStore* self;
      Db* db;
      ~Release() { self->release(db); }
    } release{this, db};
    try {
      return fn(*db);
    } catch (const SqliteError& e) {
      throw StoreError(StoreError::Kind::Internal, e.what());
    }
  }
  Db* acquire() {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !free_.empty(); });
    Db* db = free_.back();
    free_.pop_back();
    return db;
  }
  void release(Db* db) {
    { std::lock_guard lock(pool_mu_); free_.push_back(db); }
    pool_cv_.notify_one();
  }

  Db writer_;
  std::mutex write_mu_;
  std::vector<std::unique_ptr<Db>> readers_;
  std::vector<Db*> free_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& db_path, int readers) {
  try {
    return std::make_unique<SqliteStore>(db_path, readers);
  } catch (const SqliteError& e) {
    throw StoreError(StoreError::Kind::Internal, e.what());
  }
}

}  // namespace argus::store
