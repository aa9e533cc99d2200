// Vec3 and Mat3: the small fixed-size geometry kiort's core needs (positions in mm, LPS).
// Header-only and std-only so that every module can use them without Eigen.
#pragma once

#include <array>
#include <cmath>

namespace kiort {

struct Vec3 {
  double x = 0, y = 0, z = 0;

  constexpr double operator[](int i) const { return i == 0 ? x : (i == 1 ? y : z); }
  constexpr double& operator[](int i) { return i == 0 ? x : (i == 1 ? y : z); }
  constexpr Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  constexpr Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  constexpr Vec3 operator-() const { return {-x, -y, -z}; }
  constexpr Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  constexpr Vec3 operator/(double s) const { return {x / s, y / s, z / s}; }
  constexpr Vec3& operator+=(const Vec3& o) {
    x += o.x;
    y += o.y;
    z += o.z;
    return *this;
  }
  constexpr bool operator==(const Vec3&) const = default;
};

constexpr Vec3 operator*(double s, const Vec3& v) {
  return v * s;
}
constexpr double dot(const Vec3& a, const Vec3& b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
constexpr Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double norm(const Vec3& v) {
  return std::sqrt(dot(v, v));
}
inline Vec3 normalized(const Vec3& v) {
  return v / norm(v);
}

// Two unit vectors that complete a unit axis to a right-handed orthonormal frame (e1, e2, axis).
struct Perpendiculars {
  Vec3 e1, e2;
};
inline Perpendiculars perpendiculars(const Vec3& axis) {
  const Vec3 helper = std::abs(axis.z) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0};
  const Vec3 e1 = normalized(cross(axis, helper));
  return {e1, cross(axis, e1)};
}

// Row-major 3x3 matrix.
struct Mat3 {
  std::array<std::array<double, 3>, 3> m{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};

  static constexpr Mat3 identity() { return {}; }
  // The matrix whose columns are a, b, c.
  static constexpr Mat3 from_columns(const Vec3& a, const Vec3& b, const Vec3& c) {
    Mat3 r;
    for (int i = 0; i < 3; ++i) {
      r.m[i][0] = a[i];
      r.m[i][1] = b[i];
      r.m[i][2] = c[i];
    }
    return r;
  }
  constexpr Vec3 column(int j) const { return {m[0][j], m[1][j], m[2][j]}; }
  constexpr Vec3 operator*(const Vec3& v) const {
    return {m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z,
            m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
            m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z};
  }
  constexpr Mat3 operator*(const Mat3& o) const {
    Mat3 r;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        r.m[i][j] = 0;
        for (int k = 0; k < 3; ++k) r.m[i][j] += m[i][k] * o.m[k][j];
      }
    return r;
  }
  constexpr Mat3 transposed() const {
    Mat3 r;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) r.m[i][j] = m[j][i];
    return r;
  }
  constexpr double determinant() const {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  }
};

}  // namespace kiort
