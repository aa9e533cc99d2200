#include "geometry/solids.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace kiort {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = 1e-9;  // mm: crossings closer than this count as "here"
}  // namespace

LayeredCapsule::LayeredCapsule(std::string name, Vec3 a, Vec3 b, std::vector<SolidLayer> layers)
    : name_(std::move(name)), a_(a), b_(b), layers_(std::move(layers)) {
  if (layers_.empty()) throw Error::bad_input("solid has no layers").field(name_);
  for (std::size_t i = 0; i < layers_.size(); ++i)
    if (!(layers_[i].radius_mm > (i ? layers_[i - 1].radius_mm : 0.0)))
      throw Error::bad_input("solid layer radii must be positive and increasing")
          .field(name_ + ".layers[" + std::to_string(i) + "].radius_mm")
          .seen(std::to_string(layers_[i].radius_mm));
  length_ = norm(b_ - a_);
  axis_ = length_ > 0 ? (b_ - a_) / length_ : Vec3{};
}

double LayeredCapsule::distance_to_axis(const Vec3& p) const {
  const Vec3 ap = p - a_;
  const double s = std::clamp(dot(ap, axis_), 0.0, length_);
  return norm(ap - axis_ * s);
}

std::optional<std::size_t> LayeredCapsule::layer_at(const Vec3& p) const {
  const double d = distance_to_axis(p);
  for (std::size_t i = 0; i < layers_.size(); ++i)
    if (d <= layers_[i].radius_mm) return i;
  return std::nullopt;
}

// Smallest t > kEps where |dist(p + t u, segment)| = radius.
double LayeredCapsule::first_crossing(const Vec3& p, const Vec3& u, double radius) const {
  double best = kInf;
  auto consider = [&](double t, double s_lo, double s_hi) {
    if (!(t > kEps) || t >= best) return;
    const double s = dot(p + u * t - a_, axis_);
    if (s >= s_lo && s <= s_hi) best = t;
  };
  auto sphere = [&](const Vec3& c, double s_lo, double s_hi) {
    const Vec3 oc = p - c;
    const double bq = dot(oc, u), cq = dot(oc, oc) - radius * radius;
    const double disc = bq * bq - cq;
    if (disc < 0) return;
    const double sq = std::sqrt(disc);
    consider(-bq - sq, s_lo, s_hi);
    consider(-bq + sq, s_lo, s_hi);
  };
  if (length_ > 0) {
    const Vec3 ap = p - a_;
    const Vec3 up = u - axis_ * dot(u, axis_);
    const Vec3 op = ap - axis_ * dot(ap, axis_);
    const double aq = dot(up, up), bq = dot(op, up), cq = dot(op, op) - radius * radius;
    if (aq > 1e-300) {
      const double disc = bq * bq - aq * cq;
      if (disc >= 0) {
        const double sq = std::sqrt(disc);
        consider((-bq - sq) / aq, 0, length_);
        consider((-bq + sq) / aq, 0, length_);
      }
    }
    sphere(a_, -kInf, 0);
    sphere(b_, length_, kInf);
  } else {
    sphere(a_, -kInf, kInf);
  }
  return best;
}

double LayeredCapsule::distance_to_surface(const Vec3& p, const Vec3& u) const {
  double best = kInf;
  for (const SolidLayer& l : layers_) best = std::min(best, first_crossing(p, u, l.radius_mm));
  return best;
}

double LayeredCapsule::distance_to_enter(const Vec3& p, const Vec3& u) const {
  return first_crossing(p, u, outer_radius());
}

LayeredCapsule LayeredCapsule::transformed(const Mat3& m, const Vec3& shift) const {
  return LayeredCapsule(name_, m * (a_ - shift), m * (b_ - shift), layers_);
}

}  // namespace kiort
