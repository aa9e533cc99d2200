#include "patient/phantom.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>

#include "core/error.h"
#include "core/paths.h"
#include "physics/ct_calibration.h"

namespace kiort {
namespace {

const std::vector<std::string> kLevels = {"T1",  "T2",  "T3",  "T4", "T5", "T6", "T7", "T8", "T9",
                                          "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5"};

// Medium indices of phantom_media_names().
enum Medium : std::int16_t {
  kAir = 0,
  kAdipose,
  kSoftTissue,
  kMuscle,
  kWater,
  kSpinalCord,
  kSpongiosa,
  kCorticalBone,
};

// A sclerotic (blastic) lesion: bone denser than spongiosa but below compact cortex. 1.5 g/cm3
// is a round value between spongiosa (1.112) and cortical bone (1.92), not a measurement.
constexpr double kBlasticDensity = 1.5;

int level_index(const std::string& level) {
  const auto it = std::find(kLevels.begin(), kLevels.end(), level);
  if (it == kLevels.end())
    throw Error::bad_input("unknown vertebral level")
        .field("level")
        .seen(level)
        .expected("T1..T12 or L1..L5");
  return static_cast<int>(it - kLevels.begin());
}

bool is_lumbar(const std::string& level) {
  return !level.empty() && level[0] == 'L';
}

double sq(double v) {
  return v * v;
}

// The shapes of one vertebra placed at z = z_mm (body centre); the canal is the treated one's.
struct VertebraShape {
  VertebraMorphometry m;
  double z = 0;
  double half_height = 0;  // the body's height snapped to whole voxel layers, halved
  bool lumbar = false;
};

struct Layout {
  VertebraShape treated, above, below;
  double cortex = 1;  // cortical shell thickness, mm
  double canal_y = 0, canal_rx = 0, canal_ry = 0;
  double cord_y = 0, cord_rx = 0, cord_ry = 0;
  std::string cord_name;
  double pedicle_y0 = 0, pedicle_y1 = 0;  // the Pedicle structures' extent along y
  double spinous_len = 0, transverse_len = 0;
  double skin_y0 = 0;  // back skin at x = 0
  Vec3 lesion_c, lesion_r;
};

constexpr double kSkinMm = 2, kFatMm = 8, kSkinRadiusMm = 250;

Layout make_layout(const PhantomOptions& o) {
  Layout L;
  const std::string above = level_above(o.level), below = level_below(o.level);
  L.treated.m = vertebra_morphometry(o.level);
  L.above.m = vertebra_morphometry(above == "C7" ? "T1" : above);
  L.below.m = vertebra_morphometry(below == "S1" ? "L5" : below);
  L.treated.lumbar = is_lumbar(o.level);
  L.above.lumbar = is_lumbar(above);
  L.below.lumbar = is_lumbar(below) || below == "S1";
  const VertebraMorphometry& m = L.treated.m;
  // Heights are snapped to whole voxel layers (the treated body to an odd number, so that it is
  // centred on a voxel layer at z = 0): a body 24.5 mm high sampled at 1 mm would otherwise be
  // 25 or 24 layers, a 2 % volume error from sampling alone.
  const double v = o.voxel_mm;
  auto layers = [v](double mm) { return std::max(1.0, std::round(mm / v)); };
  L.treated.half_height = (2 * std::round((m.body_height / v - 1) / 2) + 1) * v / 2;
  L.above.half_height = layers(L.above.m.body_height) * v / 2;
  L.below.half_height = layers(L.below.m.body_height) * v / 2;
  L.above.z = L.treated.half_height + layers(L.above.m.disc_height_below) * v + L.above.half_height;
  L.below.z = -(L.treated.half_height + layers(m.disc_height_below) * v + L.below.half_height);
  // Real cortex is 0.3-1 mm; one voxel at least keeps the shell closed on coarse grids.
  L.cortex = layers(std::max(1.0, v)) * v;
  // The canal sits behind the body with 1 mm (posterior longitudinal ligament) between them.
  L.canal_rx = m.canal_width / 2;
  L.canal_ry = m.canal_depth / 2;
  // Centred on a voxel row, so the small cord ellipse samples symmetrically.
  L.canal_y = std::round((m.body_depth / 2 + 1.0 + L.canal_ry) / v) * v;
  const int li = level_index(o.level);
  if (li <= level_index("L1")) {
    // Thoracic cord about 8 x 6 mm, conus at L1 slightly smaller (typical adult sizes).
    L.cord_name = "SpinalCord";
    L.cord_rx = li == level_index("L1") ? 3.5 : 4.0;
    L.cord_ry = 3.0;
    L.cord_y = L.canal_y;
  } else {
    // Below the conus: the cauda equina's roots lie dorsally in the sac, drawn as one ellipse.
    L.cord_name = "CaudaEquina";
    L.cord_rx = std::min(5.0, L.canal_rx - 2.0);
    L.cord_ry = 3.0;
    L.cord_y = L.canal_y + 1.5;
  }
  // On voxel boundaries (half-way between centres), for the same reason as the heights.
  L.pedicle_y0 = (std::floor(m.body_depth / 2 / v) + 0.5) * v;
  L.pedicle_y1 = (std::round((L.canal_y + 0.1 * m.canal_depth) / v) + 0.5) * v;
  L.spinous_len = L.treated.lumbar ? 30.0 : 35.0;
  L.transverse_len = L.treated.lumbar ? 20.0 : 15.0;
  L.skin_y0 = L.canal_y + L.canal_ry + L.spinous_len + 5.0 + kFatMm + kSkinMm;
  L.lesion_c = {0, -0.1 * m.body_depth, 0};
  L.lesion_r = {0.3 * m.body_width, 0.3 * m.body_depth, 0.6 * L.treated.half_height};
  return L;
}

// 64-bit mixing (splitmix64 finaliser) over a string, seeded: used for reproducible UIDs.
std::uint64_t hash64(const std::string& s, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
    h ^= h >> 29;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// Half the grid's z extent in voxels: 40 mm above and below the body or the adjacent bodies
// with 3 mm to spare, whichever is more.
int grid_z_half_voxels(const Layout& L, double voxel_mm) {
  const double z_half =
      std::max({L.treated.half_height + 40.0, L.above.z + L.above.half_height + 3.0,
                -L.below.z + L.below.half_height + 3.0});
  return static_cast<int>(std::ceil(z_half / voxel_mm));
}

}  // namespace

std::string deterministic_uid(const std::string& key) {
  // Decimal of the 128-bit number hi:lo by long division in 32-bit limbs (no __int128).
  std::uint32_t limbs[4];
  const std::uint64_t hi = hash64(key, 0xcbf29ce484222325ULL);
  const std::uint64_t lo = hash64(key, 0x84222325cbf29ce4ULL);
  limbs[0] = static_cast<std::uint32_t>(hi >> 32);
  limbs[1] = static_cast<std::uint32_t>(hi);
  limbs[2] = static_cast<std::uint32_t>(lo >> 32);
  limbs[3] = static_cast<std::uint32_t>(lo);
  if (limbs[0] == 0) limbs[0] = 1;  // keep 39 digits or so; never the number 0
  std::string digits;
  auto nonzero = [&] { return limbs[0] || limbs[1] || limbs[2] || limbs[3]; };
  while (nonzero()) {
    std::uint64_t rem = 0;
    for (auto& limb : limbs) {
      const std::uint64_t cur = (rem << 32) | limb;
      limb = static_cast<std::uint32_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
  }
  std::reverse(digits.begin(), digits.end());
  return "2.25." + digits;
}

VertebraMorphometry vertebra_morphometry(const std::string& level) {
  level_index(level);  // validates
  const auto file = data_dir() / "phantom" / "vertebra-morphometry.json";
  std::ifstream in(file);
  if (!in)
    throw Error::bad_input("cannot read the vertebra morphometry table")
        .file(file.string())
        .expected("data/phantom/vertebra-morphometry.json (set KIORT_DATA_DIR)");
  try {
    const auto j = nlohmann::json::parse(in);
    const auto& v = j.at("levels").at(level);
    VertebraMorphometry m;
    m.body_width = v.at("body_width_mm").get<double>();
    m.body_depth = v.at("body_depth_mm").get<double>();
    m.body_height = v.at("body_height_mm").get<double>();
    m.pedicle_width = v.at("pedicle_width_mm").get<double>();
    m.pedicle_height = v.at("pedicle_height_mm").get<double>();
    m.canal_width = v.at("canal_width_mm").get<double>();
    m.canal_depth = v.at("canal_depth_mm").get<double>();
    m.disc_height_below = v.at("disc_height_below_mm").get<double>();
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("malformed vertebra morphometry table")
        .file(file.string())
        .field("levels." + level)
        .seen(e.what())
        .expected("the eight *_mm numbers of the level");
  }
}

std::string level_above(const std::string& level) {
  const int i = level_index(level);
  return i == 0 ? "C7" : kLevels[static_cast<std::size_t>(i - 1)];
}

std::string level_below(const std::string& level) {
  const int i = level_index(level);
  return i + 1 == static_cast<int>(kLevels.size()) ? "S1"
                                                   : kLevels[static_cast<std::size_t>(i + 1)];
}

std::vector<std::string> phantom_media_names() {
  return {"air",   "adipose",     "soft-tissue", "muscle",
          "water", "spinal-cord", "spongiosa",   "cortical-bone"};
}

int phantom_hu_for_density(double density_g_cm3) {
  static const CtCalibration calibration = CtCalibration::load_default();
  int best = -1000;
  double best_err = 1e300;
  for (int hu = -1000; hu <= 3000; ++hu) {
    const double err = std::abs(calibration.density(hu) - density_g_cm3);
    if (err < best_err) {
      best_err = err;
      best = hu;
    }
  }
  return best;
}

std::vector<AnalyticVolume> phantom_analytic_volumes(const PhantomOptions& options) {
  const Layout L = make_layout(options);
  const auto& m = L.treated.m;
  const double pi = std::numbers::pi;
  const double t = L.cortex;
  // The canal and cord run through the whole grid: their length is the grid's.
  const double z_len = (2 * grid_z_half_voxels(L, options.voxel_mm) + 1) * options.voxel_mm;
  auto body = [&](const VertebraShape& v) {
    return pi * v.m.body_width / 2 * v.m.body_depth / 2 * 2 * v.half_height / 1000.0;
  };
  std::vector<AnalyticVolume> out;
  out.push_back({"VB_" + options.level, body(L.treated)});
  if (options.lesion == "none")
    out.push_back({"CTV", pi * (m.body_width / 2 - t) * (m.body_depth / 2 - t) *
                              (2 * L.treated.half_height - 2 * t) / 1000.0});
  else
    out.push_back({"CTV", 4.0 / 3.0 * pi * L.lesion_r.x * L.lesion_r.y * L.lesion_r.z / 1000.0});
  const double pedicle =
      pi * m.pedicle_width / 2 * m.pedicle_height / 2 * (L.pedicle_y1 - L.pedicle_y0) / 1000.0;
  out.push_back({"Pedicle_L", pedicle});
  out.push_back({"Pedicle_R", pedicle});
  out.push_back({"SpinalCanal", pi * L.canal_rx * L.canal_ry * z_len / 1000.0});
  out.push_back({L.cord_name, pi * L.cord_rx * L.cord_ry * z_len / 1000.0});
  out.push_back({"VB_" + level_above(options.level), body(L.above)});
  out.push_back({"VB_" + level_below(options.level), body(L.below)});
  return out;
}

PatientModel make_vertebra_phantom(const PhantomOptions& o) {
  level_index(o.level);
  if (o.lesion != "lytic" && o.lesion != "blastic" && o.lesion != "mixed" && o.lesion != "none")
    throw Error::bad_input("unknown lesion type")
        .field("lesion")
        .seen(o.lesion)
        .expected("lytic, blastic, mixed or none");
  if (!(o.voxel_mm >= 0.25 && o.voxel_mm <= 4.0))
    throw Error::bad_input("voxel size out of range")
        .field("voxel-mm")
        .seen(std::to_string(o.voxel_mm))
        .expected("0.25 to 4 mm");

  const Layout L = make_layout(o);
  const VertebraMorphometry& m = L.treated.m;
  const double v = o.voxel_mm;

  // Grid: 40 mm of tissue in front of and beside the body (range of a 50 kV source), the
  // transverse processes and back muscles, the skin with a few mm of air, and the vertebrae
  // above and below. Voxel centres fall on multiples of v so that the body centroid is (0,0,0).
  const double x_half =
      std::max(m.body_width / 2 + 40.0, L.canal_rx + m.pedicle_width + L.transverse_len + 15.0);
  const double y_lo = m.body_depth / 2 + 40.0;
  const double y_hi = L.skin_y0 + 4.0;
  const int nxh = static_cast<int>(std::ceil(x_half / v));
  const int jlo = static_cast<int>(std::ceil(y_lo / v));
  const int jhi = static_cast<int>(std::ceil(y_hi / v));
  const int nzh = grid_z_half_voxels(L, v);
  PatientModel p;
  p.grid =
      Grid3({2 * nxh + 1, jlo + jhi + 1, 2 * nzh + 1}, {v, v, v}, {-nxh * v, -jlo * v, -nzh * v});
  const std::size_t n = p.grid.voxel_count();

  p.media_names = phantom_media_names();
  p.medium.assign(n, kAir);

  enum S { kBody, kVb, kCtv, kPedL, kPedR, kCanal, kCord, kVbAbove, kVbBelow, kCount };
  struct Def {
    std::string name, type;
    std::array<std::uint8_t, 3> color;
  };
  const Def defs[kCount] = {
      {"BODY", "EXTERNAL", {0, 128, 0}},
      {"VB_" + o.level, "ORGAN", {255, 255, 128}},
      {"CTV", "CTV", {255, 0, 0}},
      {"Pedicle_L", "ORGAN", {255, 160, 0}},
      {"Pedicle_R", "ORGAN", {255, 200, 0}},
      {"SpinalCanal", "ORGAN", {0, 160, 255}},
      {L.cord_name, "ORGAN", {255, 255, 0}},
      {"VB_" + level_above(o.level), "ORGAN", {200, 200, 120}},
      {"VB_" + level_below(o.level), "ORGAN", {200, 200, 120}},
  };
  p.structures.resize(kCount);
  for (int s = 0; s < kCount; ++s) {
    Structure& st = p.structures[static_cast<std::size_t>(s)];
    st.name = defs[s].name;
    st.type = defs[s].type;
    st.number = s + 1;
    st.origin = StructureOrigin::kPhantom;
    st.color = defs[s].color;
    st.mask.assign(n, 0);
  }
  std::vector<float> lesion_density(n, 0.f);  // blastic voxels' own density

  const double t = L.cortex;
  const double lesion_mixed_core = 0.6;  // mixed: lytic core, blastic rim (normalised radius)
  const auto dims = p.grid.dims();
  for (int k = 0; k < dims[2]; ++k) {
    for (int j = 0; j < dims[1]; ++j) {
      for (int i = 0; i < dims[0]; ++i) {
        const Index3 ix{i, j, k};
        const Vec3 r = p.grid.position(ix);
        const std::size_t lin = p.grid.linear(ix);
        auto mark = [&](S s) { p.structures[static_cast<std::size_t>(s)].mask[lin] = 1; };
        std::int16_t med = kAir;

        // Skin, fat, muscle and the soft tissue in front.
        const double skin_y = L.skin_y0 - r.x * r.x / (2 * kSkinRadiusMm);
        if (r.y <= skin_y) {
          mark(kBody);
          med = kSoftTissue;
          const double muscle_x = L.canal_rx + m.pedicle_width + L.transverse_len + 15.0;
          if (r.y > 0.2 * m.body_depth / 2 && std::abs(r.x) < muscle_x) med = kMuscle;
          if (r.y > skin_y - kSkinMm - kFatMm) med = kAdipose;
          if (r.y > skin_y - kSkinMm) med = kSoftTissue;
        }
        // The column of discs between the bodies (soft tissue; annulus and nucleus alike).
        if (sq(r.x / (m.body_width / 2)) + sq(r.y / (m.body_depth / 2)) <= 1.0 && r.y <= skin_y)
          med = kSoftTissue;

        // Bones of the three vertebrae.
        for (const VertebraShape* vs : {&L.below, &L.treated, &L.above}) {
          const VertebraMorphometry& vm = vs->m;
          const double a = vm.body_width / 2, b = vm.body_depth / 2, h = vs->half_height;
          const double dz = r.z - vs->z;
          // Strict in z: layer boundaries fall half-way between voxel centres.
          const bool in_body = sq(r.x / a) + sq(r.y / b) <= 1.0 && std::abs(dz) < h;
          if (in_body) {
            const bool interior =
                sq(r.x / (a - t)) + sq(r.y / (b - t)) <= 1.0 && std::abs(dz) < h - t;
            med = interior ? kSpongiosa : kCorticalBone;
            if (vs == &L.treated) mark(kVb);
            if (vs == &L.above) mark(kVbAbove);
            if (vs == &L.below) mark(kVbBelow);
          }
          // Pedicles: elliptic cylinders along y, lateral to the canal, in the upper body half.
          // Posterior elements are the treated level's size (the canal is continuous).
          const double pw = m.pedicle_width / 2, ph = m.pedicle_height / 2;
          const double pz = vs->z + 0.15 * vm.body_height;
          const double px = L.canal_rx + pw;
          for (int side : {+1, -1}) {
            const double e = sq((r.x - side * px) / pw) + sq((r.z - pz) / ph);
            if (e <= 1.0 && r.y >= 0 && r.y < L.pedicle_y1 && !in_body) {
              const double ei = sq((r.x - side * px) / std::max(pw - t, 0.5)) +
                                sq((r.z - pz) / std::max(ph - t, 0.5));
              med = ei <= 1.0 ? kSpongiosa : kCorticalBone;
              if (vs == &L.treated && r.y > L.pedicle_y0)
                mark(side > 0 ? kPedL : kPedR);  // +x is the patient's left (LPS)
            }
          }
          // Lamina: the arch behind the canal.
          const double cz = r.z - (vs->z + 0.1 * vm.body_height);
          if (std::abs(cz) <= 0.4 * vm.body_height && r.y >= L.canal_y &&
              sq(r.x / (L.canal_rx + m.pedicle_width)) +
                      sq((r.y - L.canal_y) / (L.canal_ry + 5.0)) <=
                  1.0)
            med = kCorticalBone;
          // Spinous process (straight back; the thoracic downward slope is not modelled).
          const double sp0 = L.canal_y + L.canal_ry + 3.0;
          if (std::abs(r.x) <= 3.0 && r.y >= sp0 && r.y <= sp0 + L.spinous_len - 3.0 &&
              std::abs(dz) <= 0.3 * vm.body_height)
            med = kCorticalBone;
          // Transverse processes.
          const double ax = std::abs(r.x);
          if (ax >= L.canal_rx + 0.5 * m.pedicle_width &&
              ax <= L.canal_rx + m.pedicle_width + L.transverse_len &&
              std::abs(r.y - L.canal_y) <= 3.0 && dz >= 0.05 * vm.body_height &&
              dz <= 0.3 * vm.body_height)
            med = kCorticalBone;
        }

        // The lesion (CTV) inside the treated body.
        const bool vb_interior =
            sq(r.x / (m.body_width / 2 - t)) + sq(r.y / (m.body_depth / 2 - t)) <= 1.0 &&
            std::abs(r.z) < L.treated.half_height - t;
        if (o.lesion == "none") {
          if (vb_interior) mark(kCtv);
        } else {
          const Vec3 d = r - L.lesion_c;
          const double e = sq(d.x / L.lesion_r.x) + sq(d.y / L.lesion_r.y) + sq(d.z / L.lesion_r.z);
          if (e <= 1.0 && vb_interior) {
            mark(kCtv);
            const bool lytic =
                o.lesion == "lytic" || (o.lesion == "mixed" && e < sq(lesion_mixed_core));
            if (lytic) {
              med = kSoftTissue;
            } else {
              med = kCorticalBone;
              lesion_density[lin] = static_cast<float>(kBlasticDensity);
            }
          }
        }

        // Canal: CSF with the cord (or cauda equina); it runs through the whole grid.
        if (sq(r.x / L.canal_rx) + sq((r.y - L.canal_y) / L.canal_ry) <= 1.0) {
          mark(kCanal);
          med = kWater;
          if (sq(r.x / L.cord_rx) + sq((r.y - L.cord_y) / L.cord_ry) <= 1.0) {
            mark(kCord);
            med = kSpinalCord;
          }
        }
        p.medium[lin] = med;
      }
    }
  }

  // CT numbers from the media's nominal densities through the inverse default calibration, and
  // the densities back through the calibration, so CT -> calibration -> density is the identity.
  const CtCalibration calibration = CtCalibration::load_default();
  const double nominal[] = {0.00120479, 0.95, 1.06, 1.05, 1.0, 1.04, 1.112, 1.92};
  std::int16_t hu_of[8];
  for (int mi = 0; mi < 8; ++mi)
    hu_of[mi] = static_cast<std::int16_t>(phantom_hu_for_density(nominal[mi]));
  const auto blastic_hu = static_cast<std::int16_t>(phantom_hu_for_density(kBlasticDensity));
  p.hu.resize(n);
  p.density.resize(n);
  for (std::size_t lin = 0; lin < n; ++lin) {
    const std::int16_t h = lesion_density[lin] > 0 ? blastic_hu : hu_of[p.medium[lin]];
    p.hu[lin] = h;
    p.density[lin] = static_cast<float>(calibration.density(h));
  }

  p.patient_id = "KIORT-PHANTOM";
  p.patient_name = "KIORT^PHANTOM";
  p.source = "phantom";
  std::ostringstream key;
  key << "kiort-phantom/" << o.level << "/" << o.lesion << "/" << v;
  p.study_uid = deterministic_uid(key.str() + "/study");
  p.series_uid = deterministic_uid(key.str() + "/ct-series");
  p.frame_of_reference_uid = deterministic_uid(key.str() + "/frame-of-reference");
  p.slice_sop_instance_uids.resize(static_cast<std::size_t>(dims[2]));
  for (int k = 0; k < dims[2]; ++k)
    p.slice_sop_instance_uids[static_cast<std::size_t>(k)] =
        deterministic_uid(key.str() + "/ct-slice/" + std::to_string(k));
  return p;
}

}  // namespace kiort
