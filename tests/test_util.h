#pragma once
// Small helpers shared by the tests.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace argus_test {

// A fresh directory under /tmp, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "argus-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ../shared/data, or $ARGUS_EVAL_DATA; empty when absent.
inline std::string eval_data_dir() {
  const char* env = std::getenv("ARGUS_EVAL_DATA");
  std::string dir = env && *env ? env : std::string(ARGUS_SOURCE_DIR) + "/../shared/data";
  return std::filesystem::is_directory(dir) ? dir : std::string();
}

}  // namespace argus_test
