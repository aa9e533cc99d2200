#include "core/paths.h"

#include <cstdlib>

#ifndef KIORT_DEFAULT_DATA_DIR
#error "KIORT_DEFAULT_DATA_DIR must be defined by the build"
#endif

namespace kiort {

std::optional<std::filesystem::path> installed_share_dir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || exe.parent_path().filename() != "bin") return std::nullopt;
  std::filesystem::path share = exe.parent_path().parent_path() / "share" / "kiort";
  if (!std::filesystem::is_directory(share, ec)) return std::nullopt;
  return share;
}

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("KIORT_DATA_DIR"); env && *env) return env;
  if (const auto share = installed_share_dir()) return *share / "data";
  return KIORT_DEFAULT_DATA_DIR;
}

std::filesystem::path cache_dir() {
  if (const char* env = std::getenv("KIORT_CACHE_DIR"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "kiort";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "kiort";
  return std::filesystem::temp_directory_path() / "kiort-cache";
}

}  // namespace kiort
