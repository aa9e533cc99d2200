// A fresh, empty folder under the system temp folder for one test, removed with what it holds
// when the test ends (the unit tests that write files: dicom, documents).
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace kiort::test {

struct TempDir {
  std::filesystem::path path;
  // The folder is <temp>/kiort-<what>-<random number>.
  explicit TempDir(const std::string& what) {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("kiort-" + what + "-" + std::to_string(rd()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace kiort::test
