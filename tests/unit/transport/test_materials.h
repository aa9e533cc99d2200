// The transport tests' cross sections: the shipped material library, each material's tables
// built once per test binary.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "physics/cross_sections.h"
#include "physics/material.h"

namespace kiort::test_support {

inline const MaterialXs& material_xs(const char* name) {
  static const MaterialLibrary lib =
      MaterialLibrary::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "materials");
  static std::map<std::string, MaterialXs> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, MaterialXs(lib.get(name))).first;
  return it->second;
}

}  // namespace kiort::test_support
