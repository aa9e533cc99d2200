// Shared by the libFuzzer targets: the parsers under test read files, so an input is written to a
// file of the right name in this process's own temporary folder. A kiort::Error is the expected
// answer to bad input; anything else escaping (std::exception from a library, a crash, a sanitizer
// report, a leak, an allocation over -rss_limit_mb/-malloc_limit_mb) is a defect libFuzzer reports.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kiort::fuzz {

inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("kiort-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline std::filesystem::path write_input(const std::string& name, std::string_view bytes) {
  const auto p = scratch_dir() / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs f; a kiort::Error must be bad input (exit 2): an internal one is a defect too.
template <class F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal) throw;
  }
}

}  // namespace kiort::fuzz
