// Grid3: a regular 3-D voxel grid placed in DICOM patient coordinates (LPS, mm).
// It is the only place that maps voxel index <-> position. Voxel (0,0,0)'s centre is at origin;
// the direction matrix's columns are the unit vectors of the i, j and k axes in LPS.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/vec3.h"

namespace kiort {

struct Index3 {
  std::int64_t i = 0, j = 0, k = 0;
  bool operator==(const Index3&) const = default;
};

struct Bounds {
  Vec3 lo, hi;  // axis-aligned box in LPS, mm
};

class Grid3 {
 public:
  // Throws Error(bad input) for non-positive dims or spacing, non-finite values, or a direction
  // matrix that is not orthonormal (tolerance 1e-4).
  Grid3(std::array<int, 3> dims, Vec3 spacing_mm, Vec3 origin_mm,
        Mat3 direction = Mat3::identity());

  const std::array<int, 3>& dims() const { return dims_; }
  const Vec3& spacing() const { return spacing_; }
  const Vec3& origin() const { return origin_; }
  const Mat3& direction() const { return direction_; }
  std::size_t voxel_count() const {
    return static_cast<std::size_t>(dims_[0]) * static_cast<std::size_t>(dims_[1]) *
           static_cast<std::size_t>(dims_[2]);
  }
  double voxel_volume_mm3() const { return spacing_.x * spacing_.y * spacing_.z; }
  // True when the direction matrix is the identity (axes along L, P, S): fast paths may use it.
  bool axis_aligned() const { return axis_aligned_; }

  bool in_range(const Index3& ix) const {
    return ix.i >= 0 && ix.j >= 0 && ix.k >= 0 && ix.i < dims_[0] && ix.j < dims_[1] &&
           ix.k < dims_[2];
  }
  // Linear index with i fastest (the order of DICOM pixel data and NRRD/NIfTI).
  std::size_t linear(const Index3& ix) const {
    return static_cast<std::size_t>(ix.i) +
           static_cast<std::size_t>(dims_[0]) *
               (static_cast<std::size_t>(ix.j) +
                static_cast<std::size_t>(dims_[1]) * static_cast<std::size_t>(ix.k));
  }
  Index3 index3(std::size_t linear) const;

  // Centre of a voxel, or the point at a continuous index, in LPS mm.
  Vec3 position(const Index3& ix) const {
    return position(Vec3{double(ix.i), double(ix.j), double(ix.k)});
  }
  Vec3 position(const Vec3& continuous_index) const;
  // Continuous index of an LPS point (voxel centres at integers).
  Vec3 continuous_index(const Vec3& p) const;
  // The voxel containing p, or nothing when p is outside the grid.
  std::optional<Index3> voxel_at(const Vec3& p) const;
  // The voxel centres around p that trilinear interpolation reads (up to 8; those outside the
  // grid and those of weight 0 left out), with their weights, x slowest and z fastest.
  std::vector<std::pair<Index3, double>> trilinear_neighbours(const Vec3& p) const;
  bool contains(const Vec3& p) const { return voxel_at(p).has_value(); }
  // Axis-aligned LPS box around all voxel corners.
  Bounds bounds() const;

 private:
  std::array<int, 3> dims_;
  Vec3 spacing_, origin_;
  Mat3 direction_, to_index_;  // to_index_ = diag(1/spacing) * direction^T
  bool axis_aligned_ = true;
};

}  // namespace kiort
