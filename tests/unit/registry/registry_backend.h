// The backend a registry test binary runs against. The shared suite (registry_suite.cpp) calls
// these; sqlite_backend.cpp and postgresql_backend.cpp define them.
#pragma once

#include <filesystem>
#include <string>

namespace kiort::test {

// A fresh, empty (not initialised) registry: a SQLite path or a postgresql:// URI.
std::string new_registry_db();
// A scratch folder of this test process, removed when the process ends.
std::filesystem::path scratch_dir();

}  // namespace kiort::test
