#include "physics/material.h"

#include <xraylib/xraylib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/paths.h"

namespace kiort {

std::string element_symbol(int z) {
  char* s = AtomicNumberToSymbol(z, nullptr);
  if (!s) throw Error::bad_input("unknown atomic number").seen(std::to_string(z));
  std::string out(s);
  xrlFree(s);
  return out;
}

int atomic_number(const std::string& symbol) {
  const int z = SymbolToAtomicNumber(symbol.c_str(), nullptr);
  if (z <= 0 || z > 92)
    throw Error::bad_input("unknown element symbol").seen(symbol).expected("H to U");
  return z;
}

Material load_material(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error::bad_input("cannot read material file").file(file.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("material file is not valid JSON").file(file.string()).seen(e.what());
  }
  Material m;
  try {
    m.name = j.at("name").get<std::string>();
    m.description = j.value("description", "");
    m.source = j.at("source").get<std::string>();
    m.density_g_cm3 = j.at("density_g_cm3").get<double>();
    for (const auto& [sym, w] : j.at("composition").items()) {
      int z = 0;
      try {
        z = atomic_number(sym);
      } catch (Error& e) {
        throw e.file(file.string()).field("composition");
      }
      m.composition.push_back({z, w.get<double>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("material file misses a field or has a wrong type")
        .file(file.string())
        .seen(e.what())
        .expected("name, source, density_g_cm3, composition {symbol: mass fraction}");
  }
  if (!(m.density_g_cm3 > 0) || !std::isfinite(m.density_g_cm3))
    throw Error::bad_input("density must be positive")
        .file(file.string())
        .field("density_g_cm3")
        .seen(std::to_string(m.density_g_cm3))
        .expected("> 0 g/cm3");
  double sum = 0;
  for (const auto& e : m.composition) {
    if (!(e.mass_fraction > 0))
      throw Error::bad_input("mass fraction must be positive")
          .file(file.string())
          .field("composition." + element_symbol(e.z))
          .seen(std::to_string(e.mass_fraction));
    sum += e.mass_fraction;
  }
  if (m.composition.empty() || std::abs(sum - 1.0) > 1e-3)
    throw Error::bad_input("mass fractions do not sum to 1")
        .file(file.string())
        .field("composition")
        .seen(std::to_string(sum))
        .expected("1 within 1e-3");
  for (auto& e : m.composition) e.mass_fraction /= sum;  // remove rounding of the source
  std::sort(m.composition.begin(), m.composition.end(),
            [](const ElementFraction& a, const ElementFraction& b) { return a.z < b.z; });
  return m;
}

MaterialLibrary MaterialLibrary::load(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw Error::bad_input("material folder not found").file(dir.string());
  MaterialLibrary lib;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    Material m = load_material(entry.path());
    if (lib.materials_.count(m.name))
      throw Error::bad_input("material defined twice").file(entry.path().string()).seen(m.name);
    lib.materials_.emplace(m.name, std::move(m));
  }
  return lib;
}

MaterialLibrary MaterialLibrary::load_default() { return load(data_dir() / "materials"); }

std::vector<std::string> MaterialLibrary::names() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : materials_) out.push_back(name);
  return out;
}

const Material& MaterialLibrary::get(const std::string& name) const {
  auto it = materials_.find(name);
  if (it == materials_.end()) {
    std::string all;
    for (const auto& n : names()) all += (all.empty() ? "" : ", ") + n;
    throw Error::bad_input("unknown material").field("material").seen(name).expected("one of " +
                                                                                     all);
  }
  return it->second;
}

}  // namespace kiort
