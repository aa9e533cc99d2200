#include "patient/patient_model.h"

#include <algorithm>
#include <cctype>
#include <numeric>

#include "physics/ct_calibration.h"

namespace kiort {

std::string_view to_string(StructureOrigin origin) {
  switch (origin) {
    case StructureOrigin::kRtstruct:
      return "rtstruct";
    case StructureOrigin::kLabelMap:
      return "label-map";
    case StructureOrigin::kPhantom:
      return "phantom";
    case StructureOrigin::kDerived:
      return "derived";
    case StructureOrigin::kPlan:
      return "plan";
  }
  return "unknown";
}

std::size_t Structure::voxel_count() const {
  return static_cast<std::size_t>(
      std::count_if(mask.begin(), mask.end(), [](std::uint8_t m) { return m != 0; }));
}

const Structure* PatientModel::find(std::string_view name) const {
  for (const auto& s : structures)
    if (s.name == name) return &s;
  auto lower = [](std::string_view v) {
    std::string out(v);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  };
  const std::string want = lower(name);
  for (const auto& s : structures)
    if (lower(s.name) == want) return &s;
  return nullptr;
}

double PatientModel::volume_cc(const Structure& s) const {
  return static_cast<double>(s.voxel_count()) * grid.voxel_volume_mm3() / 1000.0;
}

void PatientModel::assign_media(const CtCalibration& calibration) {
  media_names.clear();
  for (const auto& bin : calibration.bins()) media_names.push_back(bin.material);
  medium.assign(hu.size(), 0);
  density.assign(hu.size(), 0.f);
  for (std::size_t v = 0; v < hu.size(); ++v) {
    const CtSample s = calibration(hu[v]);
    medium[v] = static_cast<std::int16_t>(s.bin);
    density[v] = static_cast<float>(s.density_g_cm3);
  }
}

PatientModel resample_nearest(const PatientModel& pm, const Grid3& grid) {
  PatientModel out;
  out.grid = grid;
  out.media_names = pm.media_names;
  out.source = pm.source;
  const std::size_t n = grid.voxel_count();
  out.hu.assign(n, -1000);
  out.medium.assign(n, -1);
  out.density.assign(n, 0.0f);
  std::vector<std::int64_t> from(n, -1);
  for (std::size_t v = 0; v < n; ++v)
    if (const auto ix = pm.grid.voxel_at(grid.position(grid.index3(v)))) {
      const std::size_t cv = pm.grid.linear(*ix);
      from[v] = std::int64_t(cv);
      if (!pm.hu.empty()) out.hu[v] = pm.hu[cv];
      out.medium[v] = pm.medium[cv];
      out.density[v] = pm.density[cv];
    }
  for (const Structure& s : pm.structures) {
    Structure r{s.name, s.number, s.type, s.origin, s.color, std::vector<std::uint8_t>(n, 0)};
    for (std::size_t v = 0; v < n; ++v)
      if (from[v] >= 0) r.mask[v] = s.mask[std::size_t(from[v])];
    out.structures.push_back(std::move(r));
  }
  return out;
}

}  // namespace kiort
