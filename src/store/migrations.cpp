#include "store/migrations.h"

namespace argus::store {

const std::vector<Migration>& sqlite_migrations() {
  static const std::vector<Migration> all = {
      {1, "initial schema", R"SQL(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin','supervisor','viewer')),
  camera_ids TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_login INTEGER
);
CREATE TABLE refresh_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX idx_refresh_user ON refresh_tokens(user_id);
CREATE TABLE cameras (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  source_masked TEXT NOT NULL,
  source_sealed BLOB NOT NULL,
  has_credentials INTEGER NOT NULL DEFAULT 0,
  camera_type TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'inactive',
  resolution_width INTEGER NOT NULL DEFAULT 1920,
  resolution_height INTEGER NOT NULL DEFAULT 1080,
  fps INTEGER NOT NULL DEFAULT 25,
  settings TEXT NOT NULL DEFAULT '{}',
  detection TEXT NOT NULL DEFAULT '{}',
  location TEXT NOT NULL DEFAULT '{}',
  is_active INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX idx_cameras_status ON cameras(status);
CREATE INDEX idx_cameras_type ON cameras(camera_type);
CREATE TABLE persons (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  employee_id TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  consent_given INTEGER NOT NULL DEFAULT 0,
  consent_date TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_seen INTEGER
);
CREATE INDEX idx_persons_name ON persons(name);
CREATE TABLE person_images (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  quality REAL NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX idx_images_person ON person_images(person_id);
CREATE TABLE embeddings (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  image_id INTEGER REFERENCES person_images(id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  dim INTEGER NOT NULL,
  vector BLOB NOT NULL,
  quality REAL NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX idx_embeddings_person ON embeddings(person_id);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  user_id INTEGER,
  username TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  resource_id TEXT NOT NULL DEFAULT '',
  client TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_audit_time ON audit_log(time);
CREATE TABLE system_config (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by INTEGER
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sightings (
  id INTEGER PRIMARY KEY,
  camera_id INTEGER NOT NULL,
  track_id INTEGER NOT NULL,
  person_id INTEGER REFERENCES persons(id) ON DELETE SET NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  best_confidence REAL NOT NULL,
  similarity REAL NOT NULL DEFAULT 0,
  frame_count INTEGER NOT NULL DEFAULT 1,
  snapshot_path TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_sightings_camera_time ON sightings(camera_id, first_seen);
CREATE INDEX idx_sightings_person ON sightings(person_id);
CREATE INDEX idx_sightings_time ON sightings(first_seen);
CREATE TABLE attendance (
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  date TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  camera_ids TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (person_id, date)
);
)SQL"},
      // SQLite reuses the largest rowid after that row is deleted, so a new camera could take
      // a deleted camera's id: its old sightings would show under the new camera, and a user
      // limited to the old id would see the new one. Ids now come from this table and only grow.
      // Seeded from every place an old id may still be referenced.
      {2, "ids are never reused", R"SQL(
CREATE TABLE id_sequence (name TEXT PRIMARY KEY, last INTEGER NOT NULL);
INSERT INTO id_sequence(name, last) VALUES
  ('cameras', MAX((SELECT COALESCE(MAX(id), 0) FROM cameras), (SELECT COALESCE(MAX(camera_id), 0) FROM sightings))),
  ('users', MAX((SELECT COALESCE(MAX(id), 0) FROM users), (SELECT COALESCE(MAX(user_id), 0) FROM audit_log))),
  ('persons', MAX((SELECT COALESCE(MAX(id), 0) FROM persons), (SELECT COALESCE(MAX(person_id), 0) FROM sightings)));
)SQL"},
      // Video jobs outlive a restart: finished results stay readable for their TTL, and jobs
      // a stop or crash interrupted are reported as such instead of vanishing.
      {3, "video jobs", R"SQL(
CREATE TABLE video_jobs (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL
);
CREATE INDEX idx_video_jobs_created ON video_jobs(created_at);
)SQL"},
      // A USB camera's size and rate became the format asked of its device (before, nothing
      // was asked). Rows still holding the column defaults were never chosen by anyone: they
      // become 0 (the device's default), so an upgraded camera captures as it did.
      {4, "usb cameras keep their device's default format", R"SQL(
UPDATE cameras SET resolution_width = 0, resolution_height = 0, fps = 0
 WHERE camera_type = 'usb' AND resolution_width = 1920 AND resolution_height = 1080 AND fps = 25;
)SQL"},
  };
  return all;
}

}  // namespace argus::store
