#pragma once
// The Store interface: everything Argus persists. Services call it; handlers never do.
// One implementation per backend (sqlite_store.cpp today; PostgreSQL later) passes the same
// tests (tests/store). Failures throw StoreError; lookups of missing rows return nullopt.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/records.h"

namespace argus::store {

class StoreError : public std::runtime_error {
 public:
  enum class Kind { Conflict, NotFound, Internal };
  StoreError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class Store {
 public:
  virtual ~Store() = default;

  // Users and refresh tokens.
  virtual UserRecord create_user(const UserRecord& u) = 0;  // Conflict on duplicate username
  virtual std::optional<UserRecord> user_by_id(int64_t id) = 0;
  virtual std::optional<UserRecord> user_by_name(const std::string& username) = 0;
  virtual Page<UserRecord> list_users(const PageRequest& p, const std::optional<std::string>& search) = 0;
  virtual bool update_user(const UserRecord& u) = 0;
  virtual bool delete_user(int64_t id) = 0;
  virtual void set_last_login(int64_t user_id, int64_t when) = 0;
  virtual int64_t count_users() = 0;
  virtual void add_refresh_token(const RefreshTokenRecord& t) = 0;
  virtual std::optional<RefreshTokenRecord> refresh_token(const std::string& token_hash) = 0;
  // Revokes `token_hash`; returns false if it was already revoked or unknown (one winner).
  virtual bool revoke_refresh_token(const std::string& token_hash, int64_t when) = 0;
  virtual void revoke_user_tokens(int64_t user_id, int64_t when) = 0;

  // Cameras.
  virtual CameraRecord create_camera(const CameraRecord& c) = 0;
  virtual std::optional<CameraRecord> camera(int64_t id) = 0;
  virtual Page<CameraRecord> list_cameras(const PageRequest& p, const CameraFilter& f) = 0;
  virtual std::vector<CameraRecord> all_cameras() = 0;
  virtual bool update_camera(const CameraRecord& c) = 0;
  virtual bool set_camera_status(int64_t id, const std::string& status, bool is_active) = 0;
  virtual bool delete_camera(int64_t id) = 0;

  // Persons, their images and embeddings.
  virtual PersonRecord create_person(const PersonRecord& p) = 0;
  virtual std::optional<PersonRecord> person(int64_t id) = 0;
  virtual Page<PersonRecord> list_persons(const PageRequest& p, const std::optional<std::string>& search) = 0;
  virtual bool update_person(const PersonRecord& p) = 0;
  virtual bool delete_person(int64_t id) = 0;  // images and embeddings go with it
  virtual void touch_person_last_seen(int64_t id, int64_t when) = 0;
  // Stores the image and its embeddings in one transaction; sets each embedding's id.
  virtual ImageRecord add_image(const ImageRecord& img, std::vector<EmbeddingRecord>& embeddings) = 0;
  virtual std::vector<int64_t> embedding_ids_for_image(int64_t image_id) = 0;
  virtual std::vector<ImageRecord> person_images(int64_t person_id) = 0;
  virtual std::optional<ImageRecord> image(int64_t image_id) = 0;
  virtual bool delete_image(int64_t image_id) = 0;  // and its embeddings
  virtual std::vector<EmbeddingRecord> all_embeddings() = 0;

  // Audit trail.
  virtual void append_audit(const AuditRecord& r) = 0;
  virtual Page<AuditRecord> list_audit(const PageRequest& p, const AuditFilter& f) = 0;

  // System configuration (key -> JSON value) and small internal flags.
  virtual Json system_config() = 0;
  virtual void put_system_config(const Json& values, std::optional<int64_t> user_id) = 0;
  virtual std::optional<std::string> meta(const std::string& key) = 0;
  virtual void set_meta(const std::string& key, const std::string& value) = 0;

  // Sightings (one per track) and attendance (one per person per day).
  virtual int64_t upsert_sighting(const SightingRecord& s) = 0;  // id 0: insert
  virtual std::optional<SightingRecord> sighting(int64_t id) = 0;
  virtual Page<SightingRecord> list_sightings(const PageRequest& p, const SightingFilter& f) = 0;
  // Retention. Deletes the sightings last seen before the cutoff (unix ms): rows deleted and
  // their snapshot paths, for the caller to delete the files.
  virtual PrunedSightings delete_sightings_before(int64_t last_seen_before_ms) = 0;
  // Clears the snapshot of the sightings last seen before the cutoff (the sightings stay):
  // rows changed and the paths cleared.
  virtual PrunedSightings clear_snapshots_before(int64_t last_seen_before_ms) = 0;
  virtual void record_attendance(int64_t person_id, const std::string& date, int64_t when, int64_t camera_id) = 0;
  virtual std::vector<AttendanceRecord> attendance(const std::optional<std::string>& date_from,
                                                   const std::optional<std::string>& date_to,
                                                   std::optional<int64_t> person_id) = 0;

  // Video jobs: one row per job, replaced as the job moves on.
  virtual void put_video_job(const VideoJobRecord& job) = 0;
  virtual std::vector<VideoJobRecord> video_jobs() = 0;  // oldest first
  virtual bool delete_video_job(const std::string& id) = 0;

  // Health: a cheap query that proves the database answers.
  virtual bool ping() = 0;
  virtual std::string integrity_check() = 0;
};

// Opens <data_dir>/argus.db, applying pending schema migrations in one transaction.
std::unique_ptr<Store> open_sqlite_store(const std::string& db_path, int reader_connections = 4);

}  // namespace argus::store
