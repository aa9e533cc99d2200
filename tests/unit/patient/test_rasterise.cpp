// Polygon <-> mask: even-odd holes, the half-open rule on voxel centres, and exact round trips
// of traced masks (what the RTSTRUCT writer relies on).
#include <gtest/gtest.h>

#include <random>

#include "patient/rasterise.h"

namespace kiort {
namespace {

TEST(CtContourRasterise, SquareWithHoleByEvenOdd) {
  const int n = 10;
  std::vector<std::uint8_t> s(n * n, 0);
  // Outer square covers centres 1..8, inner one 3..6 (a hole), both given in either orientation.
  const Polygon2 outer = {{0.5, 0.5}, {8.5, 0.5}, {8.5, 8.5}, {0.5, 8.5}};
  const Polygon2 inner = {{2.5, 2.5}, {2.5, 6.5}, {6.5, 6.5}, {6.5, 2.5}};
  rasterise_even_odd({outer, inner}, n, n, s.data());
  int count = 0;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const bool in_outer = i >= 1 && i <= 8 && j >= 1 && j <= 8;
      const bool in_inner = i >= 3 && i <= 6 && j >= 3 && j <= 6;
      EXPECT_EQ(s[static_cast<std::size_t>(i + n * j)], (in_outer && !in_inner) ? 1 : 0)
          << i << "," << j;
      count += s[static_cast<std::size_t>(i + n * j)];
    }
  EXPECT_EQ(count, 64 - 16);
}

TEST(CtContourRasterise, TracedRandomMasksRoundTripExactly) {
  std::mt19937 rng(7);
  const int nx = 23, ny = 17;
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<std::uint8_t> m(nx * ny);
    std::bernoulli_distribution bit(0.1 + 0.8 * (trial % 5) / 4.0);
    for (auto& v : m) v = bit(rng) ? 1 : 0;  // many holes, islands and diagonal touches
    const auto loops = trace_mask_boundaries(m.data(), nx, ny);
    std::vector<std::uint8_t> back(m.size(), 0);
    rasterise_even_odd(loops, nx, ny, back.data());
    ASSERT_EQ(back, m) << "trial " << trial;
  }
}

}  // namespace
}  // namespace kiort
