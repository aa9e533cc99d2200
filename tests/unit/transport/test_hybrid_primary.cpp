// The hybrid primary's voxel averages against the analytic primary: in a homogeneous medium the
// uncollided kerma of a point source is E (mu_en/rho) exp(-mu r) / (4 pi r^2) (per photon), and
// its voxel average is computed here by brute force (midpoint rules of 8^3 and 16^3 points,
// Richardson-extrapolated: error of order (mu h / 16)^4). One ray per voxel with the
// second-order correction, sub-points only near the source and in strongly attenuating voxels,
// must stay within 2e-4 of it from 2 voxel widths out.
#include "transport/hybrid_primary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numbers>

#include "test_materials.h"
#include "transport/problems.h"
#include "transport/transport.h"

namespace kiort {
namespace {

const MaterialXs& xs(const char* name) {
  return test_support::material_xs(name);
}

struct Worst {
  double rel = 0;
  int voxels = 0;
};

// Largest relative deviation from the brute-force voxel average over voxels 2-15 mm out.
Worst compare(const char* medium, double density, double e_kev) {
  const MaterialXs& m = xs(medium);
  const Geometry g = make_box_problem(m, 31, 1);  // 1 mm voxels; the source on a voxel centre
  std::vector<std::int16_t> med(g.grid().voxel_count(), 0);
  std::vector<float> rho(g.grid().voxel_count(), float(density));
  const Geometry gd(g.grid(), {&m}, med, rho);
  IsotropicPointSource src({0.3, 0.2, 0.1}, Spectrum::monoenergetic(e_kev));
  const std::vector<std::uint8_t> all(gd.grid().voxel_count(), 1);
  PrimaryRequest rq;
  rq.box_dims = gd.grid().dims();
  rq.deterministic = &all;
  rq.threads = 2;
  const PrimaryKerma k = hybrid_primary_kerma(gd, src, rq);
  const MassXs x = m.at(e_kev);
  const double mu = x.total * density * 0.1;  // 1/mm
  const Vec3 s = src.position();
  Worst w;
  for (std::size_t v = 0; v < k.medium.size(); ++v) {
    const Vec3 c = gd.grid().position(gd.grid().index3(v));
    const double r = norm(c - s);
    if (r < 2.0 || r > 15.0 || (v % 7) != 0) continue;  // every 7th voxel: enough, and fast
    // Midpoint rules of 8^3 and 16^3 points, Richardson-extrapolated (their h^2 errors cancel).
    auto midpoints = [&](int n) {
      double sum = 0;
      for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b)
          for (int cc = 0; cc < n; ++cc) {
            const Vec3 q = c + Vec3{(a + 0.5) / n - 0.5, (b + 0.5) / n - 0.5, (cc + 0.5) / n - 0.5};
            const double d = norm(q - s);
            sum += std::exp(-mu * d) / (d * d);
          }
      return sum / (n * n * n);
    };
    const double average = (4 * midpoints(16) - midpoints(8)) / 3;
    // keV cm^2/g per mm^2 x 100 mm^2/cm^2 -> keV/g -> Gy
    const double exact =
        e_kev * x.energy_absorption * average / (4 * std::numbers::pi) * 100 * kGyPerKeVPerGram;
    w.rel = std::max(w.rel, std::abs(k.medium[v] / exact - 1));
    ++w.voxels;
  }
  return w;
}

TEST(HybridPrimary, VoxelAveragesMatchTheAnalyticPrimary) {
  // Water and cortical bone at 30 keV (mu = 0.038 and 0.26 per mm), bone at 15 keV (1.73 per
  // mm: the sub-points' regime).
  for (const auto& [medium, density, e] : {std::tuple{"water", 1.0, 30.0},
                                           {"cortical-bone", 1.92, 30.0},
                                           {"cortical-bone", 1.92, 15.0}}) {
    const Worst w = compare(medium, density, e);
    EXPECT_GT(w.voxels, 2000) << medium;
    EXPECT_LT(w.rel, 2e-4) << medium << " " << e << " keV";
    std::printf("%s %.0f keV: worst deviation %.2e over %d voxels\n", medium, e, w.rel, w.voxels);
  }
}

}  // namespace
}  // namespace kiort
