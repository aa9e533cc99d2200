// Materials: elemental composition by mass and nominal density, loaded from data/materials/*.json
// where every composition carries its source. Never a guessed composition in code.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace kiort {

struct ElementFraction {
  int z = 0;                 // atomic number
  double mass_fraction = 0;  // w_i, sums to 1 over the material
};

struct Material {
  std::string name;
  std::string description;
  std::string source;
  double density_g_cm3 = 0;
  std::vector<ElementFraction> composition;  // sorted by Z
};

// The element symbol ("Ca") of Z, or throws.
std::string element_symbol(int z);
// Z of an element symbol, or throws Error(bad input) naming the symbol.
int atomic_number(const std::string& symbol);

// Reads one material file; throws Error(bad input) naming the file and field for unknown
// elements, fractions that do not sum to 1 within 1e-3, or a non-positive density.
Material load_material(const std::filesystem::path& file);

class MaterialLibrary {
 public:
  // Loads every *.json in the folder (default: data_dir()/materials).
  static MaterialLibrary load(const std::filesystem::path& dir);
  static MaterialLibrary load_default();

  // Throws Error(bad input) naming the valid choices when the name is unknown.
  const Material& get(const std::string& name) const;
  bool contains(const std::string& name) const { return materials_.count(name) > 0; }
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Material> materials_;
};

}  // namespace kiort
