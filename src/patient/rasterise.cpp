#include "patient/rasterise.h"

#include <algorithm>
#include <cmath>

namespace kiort {

void rasterise_even_odd(const std::vector<Polygon2>& polygons, int nx, int ny,
                        std::uint8_t* slice) {
  std::vector<double> xs;
  for (int j = 0; j < ny; ++j) {
    const double y = j;
    xs.clear();
    for (const Polygon2& poly : polygons) {
      const std::size_t n = poly.size();
      if (n < 3) continue;
      for (std::size_t e = 0; e < n; ++e) {
        const Point2& p = poly[e];
        const Point2& q = poly[(e + 1) % n];
        // Half-open in y, so a vertex on the scan line is counted once and horizontal edges never.
        if ((p[1] <= y && y < q[1]) || (q[1] <= y && y < p[1]))
          xs.push_back(p[0] + (y - p[1]) * (q[0] - p[0]) / (q[1] - p[1]));
      }
    }
    std::sort(xs.begin(), xs.end());
    for (std::size_t c = 0; c + 1 < xs.size(); c += 2) {
      // Centres i with x0 <= i < x1.
      const int i0 = std::max(0, static_cast<int>(std::ceil(xs[c])));
      const int i1 = std::min(nx, static_cast<int>(std::ceil(xs[c + 1])));
      for (int i = i0; i < i1; ++i) slice[static_cast<std::size_t>(i + nx * j)] ^= 1;
    }
  }
}

std::vector<Polygon2> trace_mask_boundaries(const std::uint8_t* slice, int nx, int ny) {
  // Corners (ci, cj) with ci in 0..nx, cj in 0..ny: corner (ci, cj) lies at (ci - 0.5, cj - 0.5).
  const int cw = nx + 1;
  auto at = [&](int i, int j) {
    return i >= 0 && j >= 0 && i < nx && j < ny && slice[static_cast<std::size_t>(i + nx * j)];
  };
  auto corner = [cw](int ci, int cj) { return ci + cw * cj; };
  // Up to two outgoing boundary edges per corner (two at a diagonal touch).
  std::vector<std::array<int, 2>> out(static_cast<std::size_t>(cw * (ny + 1)), {-1, -1});
  auto add = [&](int from, int to) {
    auto& slot = out[static_cast<std::size_t>(from)];
    (slot[0] < 0 ? slot[0] : slot[1]) = to;
  };
  std::size_t edges = 0;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      if (!at(i, j)) continue;
      // Counter-clockwise around the voxel in (i, j): the inside is on the left of each edge.
      if (!at(i, j - 1)) add(corner(i, j), corner(i + 1, j)), ++edges;
      if (!at(i + 1, j)) add(corner(i + 1, j), corner(i + 1, j + 1)), ++edges;
      if (!at(i, j + 1)) add(corner(i + 1, j + 1), corner(i, j + 1)), ++edges;
      if (!at(i - 1, j)) add(corner(i, j + 1), corner(i, j)), ++edges;
    }
  std::vector<Polygon2> loops;
  if (edges == 0) return loops;
  for (int start = 0; start < static_cast<int>(out.size()); ++start) {
    while (out[static_cast<std::size_t>(start)][0] >= 0) {
      std::vector<int> chain;
      int c = start;
      do {
        chain.push_back(c);
        auto& slot = out[static_cast<std::size_t>(c)];
        int next = slot[0];
        slot[0] = slot[1];
        slot[1] = -1;
        c = next;
      } while (c != start && c >= 0);
      // Merge collinear runs: keep only corners where the direction changes.
      Polygon2 poly;
      const std::size_t n = chain.size();
      for (std::size_t k = 0; k < n; ++k) {
        const int a = chain[(k + n - 1) % n], b = chain[k], d = chain[(k + 1) % n];
        const int dx1 = b % cw - a % cw, dy1 = b / cw - a / cw;
        const int dx2 = d % cw - b % cw, dy2 = d / cw - b / cw;
        if (dx1 == dx2 && dy1 == dy2) continue;
        poly.push_back({b % cw - 0.5, b / cw - 0.5});
      }
      if (poly.size() >= 3) loops.push_back(std::move(poly));
    }
  }
  return loops;
}

}  // namespace kiort
