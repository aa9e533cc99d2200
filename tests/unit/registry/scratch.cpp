// One scratch folder per test process under the system temp folder, removed at exit.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "registry_backend.h"

namespace kiort::test {
namespace {

struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    dir = std::filesystem::temp_directory_path() /
          ("kiort_registry_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

std::filesystem::path scratch_dir() {
  static Scratch s;
  return s.dir;
}

}  // namespace kiort::test
