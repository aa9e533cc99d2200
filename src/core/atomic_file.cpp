#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "core/error.h"

namespace kiort {
namespace {

void fsync_path(const std::filesystem::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return;  // best effort for folders on file systems that refuse O_RDONLY on dirs
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path,
                       const std::function<void(std::ostream&)>& writer) {
  const std::filesystem::path dir =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string name = path.filename().string();
  name.insert(0, 1,
              '.');  // hidden temporary beside the target (GCC 12 misfires -Wrestrict on "."+s)
  name.append(".tmp.XXXXXX");
  std::string tmpl = (dir / name).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw Error::bad_input("cannot create a file in the output folder")
        .file(path.string())
        .seen(std::strerror(errno))
        .expected("a writable folder");
  ::close(fd);
  const std::filesystem::path tmp(tmpl);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw Error::internal("cannot open temporary file").file(tmp.string());
      writer(out);
      out.flush();
      if (!out)
        throw Error::bad_input("writing the output failed (disk full?)").file(path.string());
    }
    fsync_path(tmp, O_RDONLY);
    std::filesystem::rename(tmp, path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

void create_private_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  if (errno == EEXIST) return;
  throw Error::bad_input("cannot create file")
      .file(path.string())
      .seen(std::strerror(errno))
      .expected("a writable folder");
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  });
}

}  // namespace kiort
