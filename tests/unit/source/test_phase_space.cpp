// IAEA phase-space files: header parsing (comments, constants, extra items), records (units, the
// sign conventions for W and new histories, byte order), broken files, and the physics check:
// a phase space sampled from kiort's virtual probe gives the same dose as the probe itself.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "geometry/geometry.h"
#include "physics/cross_sections.h"
#include "physics/material.h"
#include "source/phase_space.h"
#include "source/probe.h"
#include "transport/transport.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

class PhaseSpaceTest : public ::testing::Test {
 public:
  template <typename T>
  static void put(std::string& s, T v, bool big = false) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    if (big) std::reverse(b, b + sizeof(T));
    s.append(b, sizeof(T));
  }

 protected:
  fs::path dir = fs::temp_directory_path() / ("kiort-phsp-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
  }
};

// A header as a commercial code writes it: Z and weight constant, one extra long (the
// incremental history number), comments everywhere.
const char* kHeader = R"($IAEA_INDEX:
1000 // test
$TITLE:
kiort test phase space
$FILE_TYPE:
0
$RECORD_CONTENTS:
    1     // X is stored ?
    1     // Y is stored ?
    0     // Z is stored ?
    1     // U is stored ?
    1     // V is stored ?
    1     // W is stored ?
    0     // Weight is stored ?
    0     // Extra floats stored ?
    1     // Extra longs stored ?
    1     // Incremental history number stored in the extralong array [ 0]
$RECORD_CONSTANT:
   2.5000  // Constant Z
   1.0000  // Constant Weight
$RECORD_LENGTH:
25
$BYTE_ORDER:
%ORDER%
$ORIG_HISTORIES:
1000
$PARTICLES:
3
$PHOTONS:
2
)";

std::string header(int order) {
  std::string h = kHeader;
  h.replace(h.find("%ORDER%"), 7, std::to_string(order));
  return h;
}

std::string records(bool big) {
  std::string d;
  // photon, new history, 30 keV, at (0.1, -0.2) cm, u = 0.6, v = 0, W negative
  d.push_back(static_cast<char>(-1));
  PhaseSpaceTest::put(d, -0.030f, big);
  PhaseSpaceTest::put(d, 0.1f, big);
  PhaseSpaceTest::put(d, -0.2f, big);
  PhaseSpaceTest::put(d, 0.6f, big);
  PhaseSpaceTest::put(d, 0.0f, big);
  PhaseSpaceTest::put(d, std::int32_t(1), big);
  // electron (dropped)
  d.push_back(2);
  PhaseSpaceTest::put(d, 0.020f, big);
  for (int i = 0; i < 4; ++i) PhaseSpaceTest::put(d, 0.0f, big);
  PhaseSpaceTest::put(d, std::int32_t(0), big);
  // photon, same history, 45 keV along +z
  d.push_back(1);
  PhaseSpaceTest::put(d, 0.045f, big);
  for (int i = 0; i < 4; ++i) PhaseSpaceTest::put(d, 0.0f, big);
  PhaseSpaceTest::put(d, std::int32_t(0), big);
  return d;
}

TEST_F(PhaseSpaceTest, ReadsRecordsWithUnitsSignsAndConstants) {
  for (const bool big : {false, true}) {
    write("a.IAEAheader", header(big ? 4321 : 1234));
    write("a.IAEAphsp", records(big));
    const PhaseSpace ps = read_iaea_phase_space(dir / "a");
    EXPECT_EQ(ps.header.title, "kiort test phase space");
    EXPECT_EQ(ps.header.original_histories, 1000u);
    ASSERT_EQ(ps.photons.size(), 2u);
    EXPECT_EQ(ps.other_particles, 1u);
    EXPECT_EQ(ps.new_histories, 1u);
    const auto& p = ps.photons[0];
    EXPECT_FLOAT_EQ(p.e_kev, 30.0f);
    EXPECT_FLOAT_EQ(p.x_mm, 1.0f);
    EXPECT_FLOAT_EQ(p.y_mm, -2.0f);
    EXPECT_FLOAT_EQ(p.z_mm, 25.0f);  // the constant, in mm
    EXPECT_FLOAT_EQ(p.w, -0.8f);     // sign from the particle code
    EXPECT_FLOAT_EQ(p.weight, 1.0f);
    EXPECT_FLOAT_EQ(ps.photons[1].w, 1.0f);
    EXPECT_NEAR(ps.mean_energy_kev(), 37.5, 1e-4);
  }
}

TEST_F(PhaseSpaceTest, BrokenFilesAreBadInputNamingWhere) {
  auto expect_bad = [&](const std::string& needle) {
    try {
      read_iaea_phase_space(dir / "a.IAEAphsp");
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  write("a.IAEAheader", header(1234));
  write("a.IAEAphsp", records(false).substr(0, 60));  // truncated
  expect_bad("whole number of records");
  write("a.IAEAphsp", records(false).substr(0, 50));  // two records, header says three
  expect_bad("$PARTICLES");
  std::string h = header(1234);
  h.replace(h.find("25\n"), 3, "29\n");
  write("a.IAEAheader", h);
  write("a.IAEAphsp", records(false));
  expect_bad("$RECORD_LENGTH");
  h = header(1234);
  h.erase(h.find("$PARTICLES"));
  write("a.IAEAheader", h);
  expect_bad("$PARTICLES");
  write("a.IAEAheader", header(1234));
  std::string d = records(false);
  d[0] = 9;  // unknown particle code
  write("a.IAEAphsp", d);
  expect_bad("record 1");
  h = header(2143);
  write("a.IAEAheader", h);
  write("a.IAEAphsp", records(false));
  expect_bad("$BYTE_ORDER");
}

TEST_F(PhaseSpaceTest, WriteReadRoundTrip) {
  std::vector<PhaseSpacePhoton> v{{20.f, 0.5f, 0.f, -1.f, 0.f, 0.6f, -0.8f, 1.f},
                                  {49.f, 0.f, 0.f, 0.f, 0.f, 0.f, 1.f, 0.5f}};
  write_iaea_phase_space(dir / "rt", v, 77, "round trip");
  const PhaseSpace ps = read_iaea_phase_space(dir / "rt.IAEAheader");
  ASSERT_EQ(ps.photons.size(), 2u);
  EXPECT_EQ(ps.header.original_histories, 77u);
  EXPECT_FLOAT_EQ(ps.photons[0].e_kev, 20.f);
  EXPECT_NEAR(ps.photons[0].w, -0.8f, 1e-6);
  EXPECT_FLOAT_EQ(ps.photons[1].weight, 0.5f);
  EXPECT_FLOAT_EQ(ps.photons[0].z_mm, -1.f);
}

// The same photons as a phase space placed on an oblique axis, or as the probe source itself:
// the shell dose in water agrees within the statistics.
TEST_F(PhaseSpaceTest, PhaseSpaceOfTheProbeGivesTheProbesDose) {
  const MaterialLibrary lib = MaterialLibrary::load(fs::path(KIORT_TEST_DATA_DIR) / "materials");
  const ProbeModel model =
      load_probe_model(fs::path(KIORT_TEST_DATA_DIR) / "sources" / "intrabeam-needle.json");
  const Spectrum spectrum = model.spectrum(lib);
  const ProbeSource probe({0, 0, 0}, {0, 0, 1}, spectrum, model.forward_anisotropy);
  std::vector<PhaseSpacePhoton> v;
  for (std::uint64_t k = 0; k < 400000; ++k) {
    Philox rng(99, k);
    const Photon p = probe.sample(rng);
    v.push_back({float(p.e_kev), 0, 0, 0, float(p.u.x), float(p.u.y), float(p.u.z), 1.0f});
  }
  write_iaea_phase_space(dir / "probe", v, v.size(), "kiort virtual probe");
  const PhaseSpace ps = read_iaea_phase_space(dir / "probe");
  const Vec3 axis = normalized(Vec3{1, 1, 1});
  const PhaseSpaceSource phsp(ps, {0, 0, 0}, axis);
  const ProbeSource probe_oblique({0, 0, 0}, axis, spectrum, model.forward_anisotropy);
  // Water sphere, no probe solids: only the emission is compared.
  const MaterialXs water(lib.get("water"));
  Geometry g(Grid3({1, 1, 1}, {100, 100, 100}, {0, 0, 0}), {&water}, {-1}, {0.f});
  g.add_solid(
      LayeredCapsule("water", {0, 0, 0}, {0, 0, 0}, {{45.0, 0, lib.get("water").density_g_cm3}}));
  TransportOptions o;
  o.scoring_box = std::array<std::array<int, 3>, 2>{};
  o.shell_radii_mm = {2, 3, 5, 6, 10, 11, 20, 22};
  o.shell_cos_edges = {-1, 0, 1};
  o.shell_axis = axis;
  StopRules stop;
  stop.histories = 300000;
  o.seed = 5;
  const TransportResult a = run_transport(g, phsp, stop, o);
  o.seed = 6;
  const TransportResult b = run_transport(g, probe_oblique, stop, o);
  ASSERT_EQ(a.shells.size(), b.shells.size());
  for (std::size_t i = 0; i < a.shells.size(); ++i) {
    if (a.shells[i].r_inner_mm == 3 || a.shells[i].r_inner_mm == 6 || a.shells[i].r_inner_mm == 11)
      continue;
    const double s = std::hypot(a.shells[i].sigma_rel, b.shells[i].sigma_rel);
    EXPECT_NEAR(a.shells[i].dose_gy_per_history / b.shells[i].dose_gy_per_history, 1.0,
                4 * s + 0.005)
        << "shell " << a.shells[i].r_inner_mm << " mm, cos " << a.shells[i].cos_lo;
  }
}

}  // namespace
}  // namespace kiort

namespace kiort {
namespace {

// Issue 18: a data file whose size contradicts the header's $CHECKSUM was accepted; "1abc" read as
// 1; a record length past INT_MAX was cast to int. Inputs in tests/fuzz/regressions/phase_space.
TEST(PhaseSpaceRegression, ChecksumAndNumbersAreChecked) {
  const fs::path dir = fs::path(KIORT_REGRESSION_DIR) / "phase_space";
  const std::pair<const char*, const char*> cases[] = {{"checksum_mismatch", "$CHECKSUM"},
                                                       {"particles_trailing_text", "$PARTICLES"},
                                                       {"record_length_huge", "$RECORD_LENGTH"}};
  for (const auto& [name, field] : cases) {
    try {
      read_iaea_phase_space(dir / name);
      ADD_FAILURE() << name << " was read";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << e.what();
      EXPECT_EQ(e.field(), field) << e.what();
      EXPECT_NE(e.file().find(name), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace kiort
