// Analytic solids that overlay the voxel phantom and take precedence over it: the probe, the needle
// applicator, spherical shells. One primitive covers them all: a layered capsule, the set of
// points within radius r_k of a segment (a sphere when the segment has zero length; a cylinder with
// hemispherical ends otherwise), with one material per layer between consecutive radii.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/vec3.h"

namespace kiort {

struct SolidLayer {
  double radius_mm = 0;   // outer radius of this layer
  int medium = -1;        // index into Geometry's media (-1: vacuum)
  double density_g_cm3 = 0;
};

class LayeredCapsule {
 public:
  // Segment from `a` to `b` (LPS mm); layers ordered by increasing radius. Throws Error(bad input)
  // for non-increasing or non-positive radii.
  LayeredCapsule(std::string name, Vec3 a, Vec3 b, std::vector<SolidLayer> layers);

  const std::string& name() const { return name_; }
  const Vec3& a() const { return a_; }
  const Vec3& b() const { return b_; }
  const std::vector<SolidLayer>& layers() const { return layers_; }
  double outer_radius() const { return layers_.back().radius_mm; }

  // Distance from p to the segment.
  double distance_to_axis(const Vec3& p) const;
  // The layer containing p (innermost whose radius reaches p), or nothing outside.
  std::optional<std::size_t> layer_at(const Vec3& p) const;
  // Distance along unit direction u from p to the first crossing of any layer surface (> 0), or
  // infinity when the ray crosses none.
  double distance_to_surface(const Vec3& p, const Vec3& u) const;
  // Distance from p along u to the outer surface when p is outside the solid (infinity if missed).
  double distance_to_enter(const Vec3& p, const Vec3& u) const;
  // The same solid in another frame: x' = m * (x - shift).
  LayeredCapsule transformed(const Mat3& m, const Vec3& shift) const;

 private:
  double first_crossing(const Vec3& p, const Vec3& u, double radius) const;

  std::string name_;
  Vec3 a_, b_, axis_;  // axis_: unit vector a->b (zero for a sphere)
  double length_ = 0;
  std::vector<SolidLayer> layers_;
};

}  // namespace kiort
