#include "core/paths.h"

#include <cstdlib>

#ifndef KIORT_DEFAULT_DATA_DIR
#error "KIORT_DEFAULT_DATA_DIR must be defined by the build"
#endif

namespace kiort {

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("KIORT_DATA_DIR"); env && *env) return env;
  return KIORT_DEFAULT_DATA_DIR;
}

}  // namespace kiort
