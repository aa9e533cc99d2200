// Bounded input: read a whole user-named file only when it is a regular file no larger than a
// stated limit, so "/dev/zero", a FIFO or a 40 GB file named by mistake is refused before any
// memory grows. Every parser that slurps a file goes through here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace kiort {

// 256 MiB: far above any plan, source, calibration or header file kiort reads whole.
inline constexpr std::uintmax_t kMaxInputFileBytes = 256ull << 20;

// The file's bytes. Throws kiort::Error (bad input) naming the file when it cannot be opened
// ("cannot read <what>"), is not a regular file, or is larger than max_bytes.
std::string read_file_bounded(const std::filesystem::path& path,
                              std::uintmax_t max_bytes = kMaxInputFileBytes,
                              const std::string& what = "file");

// Throws the same errors without reading: for parsers that stream the file themselves.
void check_input_file(const std::filesystem::path& path,
                      std::uintmax_t max_bytes = kMaxInputFileBytes,
                      const std::string& what = "file");

}  // namespace kiort
