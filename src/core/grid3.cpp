#include "core/grid3.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace kiort {
namespace {
std::string vec_str(const Vec3& v) {
  return std::to_string(v.x) + "," + std::to_string(v.y) + "," + std::to_string(v.z);
}
}  // namespace

Grid3::Grid3(std::array<int, 3> dims, Vec3 spacing_mm, Vec3 origin_mm, Mat3 direction)
    : dims_(dims), spacing_(spacing_mm), origin_(origin_mm), direction_(direction) {
  for (int a = 0; a < 3; ++a) {
    if (dims_[a] <= 0)
      throw Error::bad_input("grid dimension must be positive")
          .field("dims[" + std::to_string(a) + "]")
          .seen(std::to_string(dims_[a]))
          .expected("an integer >= 1");
    if (!(spacing_[a] > 0) || !std::isfinite(spacing_[a]))
      throw Error::bad_input("grid spacing must be positive and finite")
          .field("spacing_mm")
          .seen(vec_str(spacing_))
          .expected("three values > 0 mm");
    if (!std::isfinite(origin_[a]))
      throw Error::bad_input("grid origin must be finite").field("origin_mm").seen(vec_str(origin_));
  }
  const Mat3 dtd = direction_.transposed() * direction_;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const double want = i == j ? 1.0 : 0.0;
      if (!(std::abs(dtd.m[i][j] - want) < 1e-4))
        throw Error::bad_input("grid direction cosines are not orthonormal")
            .field("direction")
            .seen(vec_str(direction_.column(0)) + " / " + vec_str(direction_.column(1)) + " / " +
                  vec_str(direction_.column(2)))
            .expected("three orthogonal unit vectors");
      if (std::abs(direction_.m[i][j] - want) > 1e-12) axis_aligned_ = false;
    }
  to_index_ = direction_.transposed();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) to_index_.m[i][j] /= spacing_[i];
}

Index3 Grid3::index3(std::size_t linear) const {
  const auto nx = static_cast<std::size_t>(dims_[0]);
  const auto ny = static_cast<std::size_t>(dims_[1]);
  return {static_cast<std::int64_t>(linear % nx), static_cast<std::int64_t>((linear / nx) % ny),
          static_cast<std::int64_t>(linear / (nx * ny))};
}

Vec3 Grid3::position(const Vec3& c) const {
  return origin_ + direction_ * Vec3{c.x * spacing_.x, c.y * spacing_.y, c.z * spacing_.z};
}

Vec3 Grid3::continuous_index(const Vec3& p) const { return to_index_ * (p - origin_); }

std::optional<Index3> Grid3::voxel_at(const Vec3& p) const {
  const Vec3 c = continuous_index(p);
  Index3 ix;
  std::int64_t* out[3] = {&ix.i, &ix.j, &ix.k};
  for (int a = 0; a < 3; ++a) {
    // Voxel a spans [n - 0.5, n + 0.5); the grid spans [-0.5, dims - 0.5).
    const double f = std::floor(c[a] + 0.5);
    if (!(f >= 0 && f < dims_[a])) return std::nullopt;
    *out[a] = static_cast<std::int64_t>(f);
  }
  return ix;
}

std::vector<std::pair<Index3, double>> Grid3::trilinear_neighbours(const Vec3& p) const {
  const Vec3 ci = continuous_index(p);
  const std::int64_t i0 = std::int64_t(std::floor(ci.x)), j0 = std::int64_t(std::floor(ci.y)),
                     k0 = std::int64_t(std::floor(ci.z));
  const double fx = ci.x - double(i0), fy = ci.y - double(j0), fz = ci.z - double(k0);
  std::vector<std::pair<Index3, double>> out;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b)
      for (int e = 0; e < 2; ++e) {
        const double w = (a ? fx : 1 - fx) * (b ? fy : 1 - fy) * (e ? fz : 1 - fz);
        const Index3 ix{i0 + a, j0 + b, k0 + e};
        if (w > 0 && in_range(ix)) out.emplace_back(ix, w);
      }
  return out;
}

Bounds Grid3::bounds() const {
  Bounds b{{INFINITY, INFINITY, INFINITY}, {-INFINITY, -INFINITY, -INFINITY}};
  for (int corner = 0; corner < 8; ++corner) {
    const Vec3 c{(corner & 1) ? dims_[0] - 0.5 : -0.5, (corner & 2) ? dims_[1] - 0.5 : -0.5,
                 (corner & 4) ? dims_[2] - 0.5 : -0.5};
    const Vec3 p = position(c);
    for (int a = 0; a < 3; ++a) {
      b.lo[a] = std::min(b.lo[a], p[a]);
      b.hi[a] = std::max(b.hi[a], p[a]);
    }
  }
  return b;
}

}  // namespace kiort
