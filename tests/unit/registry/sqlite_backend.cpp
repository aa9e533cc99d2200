#include <string>

#include "registry_backend.h"

namespace kiort::test {

std::string new_registry_db() {
  static int n = 0;
  return (scratch_dir() / ("registry_" + std::to_string(++n) + ".db")).string();
}

}  // namespace kiort::test
