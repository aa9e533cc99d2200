#include "core/read_file.h"

#include <fstream>

#include "core/error.h"

namespace kiort {

void check_input_file(const std::filesystem::path& path, std::uintmax_t max_bytes,
                      const std::string& what) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    throw Error::bad_input("cannot read " + what).file(path.string()).expected("an existing file");
  if (!std::filesystem::is_regular_file(st))
    throw Error::bad_input("not a regular file (a device, pipe or folder?)")
        .file(path.string())
        .expected("a regular file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error::bad_input("cannot read file size").file(path.string()).seen(ec.message());
  if (size > max_bytes)
    throw Error::bad_input("file too large")
        .file(path.string())
        .seen(std::to_string(size) + " bytes")
        .expected("at most " + std::to_string(max_bytes) + " bytes");
}

std::string read_file_bounded(const std::filesystem::path& path, std::uintmax_t max_bytes,
                              const std::string& what) {
  check_input_file(path, max_bytes, what);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::bad_input("cannot read " + what).file(path.string());
  std::string out;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > max_bytes)  // grew while being read
      throw Error::bad_input("file too large")
          .file(path.string())
          .expected("at most " + std::to_string(max_bytes) + " bytes");
  }
  return out;
}

}  // namespace kiort
