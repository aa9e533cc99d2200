#include "physics/material.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

const fs::path kMaterials = fs::path(KIORT_TEST_DATA_DIR) / "materials";

TEST(MaterialLibrary, HoldsEveryRequiredMaterialWithSource) {
  const auto lib = MaterialLibrary::load(kMaterials);
  for (const char* name :
       {"water", "air", "cortical-bone", "soft-tissue", "adipose", "muscle", "red-marrow",
        "yellow-marrow", "spongiosa", "spinal-cord", "blood", "lung", "pmma", "peek", "titanium",
        "stainless-steel", "gold", "beryllium", "bone-cement-baso4", "bone-cement-zro2"}) {
    ASSERT_TRUE(lib.contains(name)) << name;
    const Material& m = lib.get(name);
    EXPECT_FALSE(m.source.empty()) << name;
    double sum = 0;
    for (const auto& e : m.composition) sum += e.mass_fraction;
    EXPECT_NEAR(sum, 1.0, 1e-12) << name;
  }
  // ICRU-44 cortical bone: 1.92 g/cm3, Ca 22.5 % by mass (ICRU Report 44, as NIST lists it).
  const Material& bone = lib.get("cortical-bone");
  EXPECT_DOUBLE_EQ(bone.density_g_cm3, 1.92);
  bool has_ca = false;
  for (const auto& e : bone.composition)
    if (e.z == 20) {
      has_ca = true;
      EXPECT_NEAR(e.mass_fraction, 0.225, 1e-6);
    }
  EXPECT_TRUE(has_ca);
}

TEST(MaterialLibrary, UnknownNameListsChoices) {
  const auto lib = MaterialLibrary::load(kMaterials);
  try {
    lib.get("bone");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("cortical-bone"), std::string::npos);
  }
}

class BadMaterialFile : public ::testing::Test {
 protected:
  fs::path write(const std::string& json) {
    const fs::path dir = fs::temp_directory_path() / "kiort_bad_material";
    fs::create_directories(dir);
    const fs::path p = dir / "m.json";
    std::ofstream(p) << json;
    return p;
  }
  void expect_error(const std::string& json, const std::string& needle) {
    const fs::path p = write(json);
    try {
      load_material(p);
      FAIL() << "accepted: " << json;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(e.file(), p.string());
    }
  }
};

TEST_F(BadMaterialFile, Rejected) {
  expect_error(R"({"name":"x","source":"s","density_g_cm3":1,"composition":{"Xx":1}})", "Xx");
  expect_error(R"({"name":"x","source":"s","density_g_cm3":1,"composition":{"H":0.5}})",
               "sum to 1");
  expect_error(R"({"name":"x","source":"s","density_g_cm3":-1,"composition":{"H":1}})",
               "density_g_cm3");
  expect_error(R"({"name":"x","density_g_cm3":1,"composition":{"H":1}})", "source");
  expect_error("{not json", "not valid JSON");
}

}  // namespace
}  // namespace kiort
