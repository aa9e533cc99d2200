#include "server/plan_view.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "dicom/patient_loader.h"
#include "documents/plan_documents.h"
#include "dose/probe_dosimetry.h"
#include "patient/volume_io.h"
#include "plan/compute.h"

namespace kiort {
namespace {

using json = nlohmann::json;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error::bad_input("cannot read").file(p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Splits one line of the DVH CSV (kiort's own writer: quoted structure names, no embedded quotes).
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      out.emplace_back();
    else if (c != '\r')
      out.back() += c;
  }
  return out;
}

json read_dvh(const std::filesystem::path& path) {
  json curves = json::array();
  if (!std::filesystem::exists(path)) return curves;
  std::istringstream in(read_text(path));
  std::string line;
  bool header = false;
  std::map<std::string, std::size_t> index;  // engine + structure -> curve
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      header = true;
      continue;
    }
    const auto f = split_csv_line(line);
    if (f.size() != 5) continue;
    const std::string key = f[0] + "\n" + f[1];
    if (!index.count(key)) {
      index[key] = curves.size();
      curves.push_back({{"engine", f[0]},
                        {"structure", f[1]},
                        {"volume_cc", std::strtod(f[2].c_str(), nullptr)},
                        {"dose_gy", json::array()},
                        {"volume_fraction", json::array()}});
    }
    json& c = curves[index[key]];
    c["dose_gy"].push_back(std::strtod(f[3].c_str(), nullptr));
    c["volume_fraction"].push_back(std::strtod(f[4].c_str(), nullptr));
  }
  return curves;
}

std::string hex_color(const std::array<std::uint8_t, 3>& c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
  return buf;
}

void parse_hex(const std::string& hex, double rgb[3]) {
  for (int i = 0; i < 3; ++i)
    rgb[i] = std::stoi(hex.substr(1 + 2 * std::size_t(i), 2), nullptr, 16) / 255.0;
}

// How slice pixels (u right, v down) map to voxels; superior is up in sagittal and coronal views,
// and the patient's left is on the image's right in axial and coronal views (radiological).
struct SliceMap {
  SliceAxis axis;
  int index, w, h, nz;
  double du_mm, dv_mm;
  Index3 at(int u, int v) const {
    switch (axis) {
      case SliceAxis::kAxial:
        return {u, v, index};
      case SliceAxis::kSagittal:
        return {index, u, nz - 1 - v};
      case SliceAxis::kCoronal:
        return {u, index, nz - 1 - v};
    }
    return {};
  }
};

SliceMap slice_map(const PlanImage& image, SliceAxis axis, int index) {
  const auto& d = image.patient.grid.dims();
  const Vec3& s = image.patient.grid.spacing();
  switch (axis) {
    case SliceAxis::kAxial:
      return {axis, index, d[0], d[1], d[2], s.x, s.y};
    case SliceAxis::kSagittal:
      return {axis, index, d[1], d[2], d[2], s.y, s.z};
    case SliceAxis::kCoronal:
      return {axis, index, d[0], d[2], d[2], s.x, s.z};
  }
  return {axis, index, d[0], d[1], d[2], s.x, s.y};
}

cairo_status_t append_png(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// Marching squares over the dose at pixel centres: the segments where dose crosses level_gy.
void isodose_path(cairo_t* cr, const std::vector<float>& f, int w, int h, double level, double sx,
                  double sy) {
  auto val = [&](int u, int v) {
    return double(f[std::size_t(v) * std::size_t(w) + std::size_t(u)]);
  };
  // Edges without a crossing are computed too (and unused): keep them finite.
  auto lerp = [&](double a, double b) { return b == a ? 0.5 : (level - a) / (b - a); };
  for (int v = 0; v + 1 < h; ++v)
    for (int u = 0; u + 1 < w; ++u) {
      const double a = val(u, v), b = val(u + 1, v), c = val(u + 1, v + 1), d = val(u, v + 1);
      const int code = (a >= level) | (b >= level) << 1 | (c >= level) << 2 | (d >= level) << 3;
      if (code == 0 || code == 15) continue;
      // Edge crossing points in pixel-centre coordinates: top, right, bottom, left.
      const double x0 = u + 0.5, y0 = v + 0.5;
      const double top[2] = {x0 + lerp(a, b), y0}, right[2] = {x0 + 1, y0 + lerp(b, c)},
                   bottom[2] = {x0 + lerp(d, c), y0 + 1}, left[2] = {x0, y0 + lerp(a, d)};
      auto seg = [&](const double* p, const double* q) {
        cairo_move_to(cr, p[0] * sx, p[1] * sy);
        cairo_line_to(cr, q[0] * sx, q[1] * sy);
      };
      switch (code) {
        case 1:
        case 14:
          seg(left, top);
          break;
        case 2:
        case 13:
          seg(top, right);
          break;
        case 3:
        case 12:
          seg(left, right);
          break;
        case 4:
        case 11:
          seg(right, bottom);
          break;
        case 6:
        case 9:
          seg(top, bottom);
          break;
        case 7:
        case 8:
          seg(left, bottom);
          break;
        case 5:
          seg(left, top);
          seg(right, bottom);
          break;
        case 10:
          seg(top, right);
          seg(left, bottom);
          break;
        default:
          break;
      }
    }
}

// Size and modification time of each file a PlanImage is made from: when one changes (a plan
// recomputed or approved from the CLI), the cached image is stale.
std::string file_stamp(const std::filesystem::path& dir) {
  std::string out;
  for (const char* name : {"plan.json", "dose.nrrd"}) {
    std::error_code ec;
    const auto p = dir / name;
    const auto size = std::filesystem::file_size(p, ec);
    if (ec) {
      out += std::string(name) + ":none;";
      continue;
    }
    const auto t = std::filesystem::last_write_time(p, ec).time_since_epoch().count();
    out += std::string(name) + ":" + std::to_string(size) + "@" + std::to_string(ec ? 0 : t) + ";";
  }
  return out;
}

// The patient direction a unit vector in LPS points to most: L/R, P/A, S/I.
std::string direction_label(const Vec3& d) {
  int c = 0;
  for (int i = 1; i < 3; ++i)
    if (std::abs(d[i]) > std::abs(d[c])) c = i;
  static const char* pos[] = {"L", "P", "S"};
  static const char* neg[] = {"R", "A", "I"};
  return d[c] >= 0 ? pos[c] : neg[c];
}

json in_views(const PlanImage& image, const Vec3& lps) {
  const Vec3 ci = image.patient.grid.continuous_index(lps);
  json out = json::object();
  for (const auto& [name, axis] :
       {std::pair{"axial", SliceAxis::kAxial}, std::pair{"sagittal", SliceAxis::kSagittal},
        std::pair{"coronal", SliceAxis::kCoronal}}) {
    const ViewPoint p = view_point(image, axis, ci);
    out[name] = {{"slice", p.slice}, {"u", p.u}, {"v", p.v}};
  }
  return out;
}

json lps_json(const Vec3& p) {
  return json::array({p.x, p.y, p.z});
}

// value in [0, n), or bad input naming the field, the value and the range.
void require_in_range(int value, int n, const char* field, const char* what) {
  if (value < 0 || value >= n)
    throw Error::bad_input(what)
        .field(field)
        .seen(std::to_string(value))
        .expected("0 to " + std::to_string(n - 1));
}

}  // namespace

ViewPoint view_point(const PlanImage& image, SliceAxis axis, const Vec3& ci) {
  const int nz = image.patient.grid.dims()[2];
  switch (axis) {
    case SliceAxis::kAxial:
      return {ci.z, ci.x + 0.5, ci.y + 0.5};
    case SliceAxis::kSagittal:
      return {ci.x, ci.y + 0.5, (nz - 1 - ci.z) + 0.5};
    case SliceAxis::kCoronal:
      return {ci.y, ci.x + 0.5, (nz - 1 - ci.z) + 0.5};
  }
  return {};
}

Index3 view_voxel(const PlanImage& image, SliceAxis axis, int index, int u, int v) {
  require_in_range(index, slice_count(image, axis), "index", "slice index outside the volume");
  const SliceMap m = slice_map(image, axis, index);
  require_in_range(u, m.w, "u", "pixel outside the slice");
  require_in_range(v, m.h, "v", "pixel outside the slice");
  return m.at(u, v);
}

json view_geometry(const PlanImage& image, SliceAxis axis) {
  const SliceMap m = slice_map(image, axis, 0);
  const Mat3& d = image.patient.grid.direction();
  // Image right and image down as LPS directions (see SliceMap::at).
  const Vec3 right = axis == SliceAxis::kSagittal ? d.column(1) : d.column(0);
  const Vec3 down = axis == SliceAxis::kAxial ? d.column(1) : -d.column(2);
  return {{"w", m.w},
          {"h", m.h},
          {"du_mm", m.du_mm},
          {"dv_mm", m.dv_mm},
          {"labels",
           {{"left", direction_label(-right)},
            {"right", direction_label(right)},
            {"top", direction_label(-down)},
            {"bottom", direction_label(down)}}}};
}

json point_readout(const PlanImage& image, const Index3& voxel) {
  const Grid3& g = image.patient.grid;
  if (!g.in_range(voxel)) throw Error::bad_input("voxel outside the volume").field("voxel");
  const std::size_t li = g.linear(voxel);
  const double dose = li < image.dose_gy.size() ? image.dose_gy[li] : 0.0;
  json inside = json::array();
  for (const Structure& s : image.patient.structures)
    if (s.mask.size() == g.voxel_count() && s.mask[li]) inside.push_back(s.name);
  const Vec3 lps = g.position(voxel);
  return {{"voxel", {voxel.i, voxel.j, voxel.k}},
          {"lps_mm", lps_json(lps)},
          {"hu", image.patient.hu[li]},
          {"dose_gy", dose},
          {"percent_of_reference",
           image.reference_gy > 0 ? json(100 * dose / image.reference_gy) : json()},
          {"structures", inside},
          {"views", in_views(image, lps)}};
}

SliceAxis parse_slice_axis(const std::string& text) {
  if (text == "axial") return SliceAxis::kAxial;
  if (text == "sagittal") return SliceAxis::kSagittal;
  if (text == "coronal") return SliceAxis::kCoronal;
  throw Error::bad_input("unknown slice axis")
      .field("axis")
      .seen(text)
      .expected("axial, sagittal or coronal");
}

int slice_count(const PlanImage& image, SliceAxis axis) {
  const auto& d = image.patient.grid.dims();
  return axis == SliceAxis::kAxial ? d[2] : axis == SliceAxis::kSagittal ? d[0] : d[1];
}

const std::vector<std::pair<int, std::string>>& isodose_levels() {
  // Colours chosen apart from the structure colours of the phantom and from grey CT.
  static const std::vector<std::pair<int, std::string>> levels = {
      {200, "#8000ff"}, {150, "#ff4000"}, {100, "#ff00ff"}, {80, "#00ffff"}, {50, "#4040ff"}};
  return levels;
}

std::string render_slice_png(const PlanImage& image, SliceAxis axis, int index, double window_hu,
                             double level_hu) {
  require_in_range(index, slice_count(image, axis), "index", "slice index outside the volume");
  if (!(window_hu > 0) || !std::isfinite(window_hu) || !std::isfinite(level_hu))
    throw Error::bad_input("invalid window/level").field("wl").expected("window > 0, finite level");
  const SliceMap m = slice_map(image, axis, index);
  const Grid3& g = image.patient.grid;
  const double ppm = 512.0 / std::max(m.w * m.du_mm, m.h * m.dv_mm);  // pixels per mm
  const int out_w = std::max(1, int(std::lround(m.w * m.du_mm * ppm)));
  const int out_h = std::max(1, int(std::lround(m.h * m.dv_mm * ppm)));
  const double sx = m.du_mm * ppm, sy = m.dv_mm * ppm;  // output pixels per slice pixel

  // CT grey levels at native resolution, then scaled up by cairo.
  cairo_surface_t* ct = cairo_image_surface_create(CAIRO_FORMAT_RGB24, m.w, m.h);
  const int stride = cairo_image_surface_get_stride(ct);
  unsigned char* px = cairo_image_surface_get_data(ct);
  std::vector<float> dose(std::size_t(m.w) * std::size_t(m.h));
  const double lo = level_hu - window_hu / 2;
  for (int v = 0; v < m.h; ++v)
    for (int u = 0; u < m.w; ++u) {
      const std::size_t li = g.linear(m.at(u, v));
      const double t = std::clamp((double(image.patient.hu[li]) - lo) / window_hu, 0.0, 1.0);
      const auto grey = static_cast<std::uint32_t>(std::lround(t * 255));
      auto* p = reinterpret_cast<std::uint32_t*>(px + std::ptrdiff_t(v) * stride) + u;
      *p = grey << 16 | grey << 8 | grey;
      dose[std::size_t(v) * std::size_t(m.w) + std::size_t(u)] = image.dose_gy[li];
    }
  cairo_surface_mark_dirty(ct);

  cairo_surface_t* out = cairo_image_surface_create(CAIRO_FORMAT_RGB24, out_w, out_h);
  cairo_t* cr = cairo_create(out);
  cairo_save(cr);
  cairo_scale(cr, sx, sy);
  cairo_set_source_surface(cr, ct, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
  cairo_paint(cr);
  cairo_restore(cr);

  // Structure outlines: the pixel edges between inside and outside.
  cairo_set_line_width(cr, 1.5);
  for (const Structure& s : image.patient.structures) {
    if (s.mask.size() != g.voxel_count()) continue;
    auto inside = [&](int u, int v) {
      return u >= 0 && v >= 0 && u < m.w && v < m.h && s.mask[g.linear(m.at(u, v))] != 0;
    };
    bool any = false;
    for (int v = 0; v < m.h; ++v)
      for (int u = 0; u < m.w; ++u) {
        if (!inside(u, v)) continue;
        auto edge = [&](double x0, double y0, double x1, double y1) {
          cairo_move_to(cr, x0 * sx, y0 * sy);
          cairo_line_to(cr, x1 * sx, y1 * sy);
          any = true;
        };
        if (!inside(u - 1, v)) edge(u, v, u, v + 1);
        if (!inside(u + 1, v)) edge(u + 1, v, u + 1, v + 1);
        if (!inside(u, v - 1)) edge(u, v, u + 1, v);
        if (!inside(u, v + 1)) edge(u, v + 1, u + 1, v + 1);
      }
    if (!any) continue;
    cairo_set_source_rgb(cr, s.color[0] / 255.0, s.color[1] / 255.0, s.color[2] / 255.0);
    cairo_stroke(cr);
  }

  // Isodose lines over everything else: they are what the reviewer came to see.
  cairo_set_line_width(cr, 2.0);
  if (image.reference_gy > 0)
    for (const auto& [pct, hex] : isodose_levels()) {
      isodose_path(cr, dose, m.w, m.h, image.reference_gy * pct / 100.0, sx, sy);
      double rgb[3];
      parse_hex(hex, rgb);
      cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
      cairo_stroke(cr);
    }
  cairo_destroy(cr);
  std::string png;
  cairo_surface_write_to_png_stream(out, append_png, &png);
  cairo_surface_destroy(out);
  cairo_surface_destroy(ct);
  return png;
}

PlanCatalog::PlanCatalog(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path PlanCatalog::folder(const std::string& id) const {
  // Only a name that is listed in the folder is used, so no request can walk out of it.
  if (!dir_.empty() && std::filesystem::is_directory(dir_))
    for (const auto& e : std::filesystem::directory_iterator(dir_))
      if (e.is_directory() && e.path().filename().string() == id &&
          std::filesystem::exists(e.path() / "plan.json"))
        return e.path();
  throw Error::bad_input("no such plan").field("plan").seen(id);
}

bool PlanCatalog::has(const std::string& id) const {
  try {
    folder(id);
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool PlanCatalog::approved(const std::string& id) const {
  return load_plan(folder(id) / "plan.json").approval.approved;
}

json PlanCatalog::list() const {
  json out = json::array();
  if (dir_.empty() || !std::filesystem::is_directory(dir_)) return out;
  std::vector<std::filesystem::path> dirs;
  for (const auto& e : std::filesystem::directory_iterator(dir_))
    if (e.is_directory() && std::filesystem::exists(e.path() / "plan.json"))
      dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    json row = {{"id", d.filename().string()}};
    try {
      const Plan p = load_plan(d / "plan.json");
      row["plan_id"] = p.id;
      row["patient"] = p.patient.kind == "phantom" ? "phantom " + p.patient.level : p.patient.path;
      row["level"] = p.level;
      row["engine"] = p.engine.engine;
      row["prescription_gy"] = p.prescription.dose_gy;
      row["computed"] = !p.dwell_times_s.empty();
      row["approved"] = p.approval.approved;
      row["approved_by"] = p.approval.by;
    } catch (const Error& e) {
      row["error"] = e.what();  // a broken plan is listed with its reason, not hidden
    }
    out.push_back(row);
  }
  return out;
}

std::shared_ptr<const PlanImage> PlanCatalog::image(const std::string& id) {
  const std::filesystem::path dir = folder(id);
  const std::string stamp = file_stamp(dir);
  {
    std::lock_guard lock(mutex_);
    if (auto it = images_.find(id); it != images_.end() && it->second->stamp == stamp)
      return it->second;
  }
  auto img = std::make_shared<PlanImage>();
  img->stamp = stamp;
  img->plan = load_plan(dir / "plan.json");
  img->patient = dicom::load_patient(img->plan.patient, img->plan.level);
  img->reference_gy = img->plan.prescription.dose_gy;
  const Grid3& g = img->patient.grid;
  img->dose_gy.assign(g.voxel_count(), 0.0f);
  if (std::filesystem::exists(dir / "dose.nrrd")) {
    verify_plan_outputs(dir);  // never show a half-recomputed mix of dose and DVH
    const Volume dose = read_volume_data(dir / "dose.nrrd");
    for (std::size_t li = 0; li < g.voxel_count(); ++li)
      if (const auto ix = dose.grid.voxel_at(g.position(g.index3(li))))
        img->dose_gy[li] = static_cast<float>(dose.values[dose.grid.linear(*ix)]);
  }
  std::lock_guard lock(mutex_);
  images_[id] = img;
  return img;
}

json PlanCatalog::details(const std::string& id) {
  const std::filesystem::path dir = folder(id);
  const auto img = image(id);
  const Plan plan = load_plan(dir / "plan.json");  // fresh: the approval may have changed
  json out;
  out["id"] = id;
  out["plan"] = json::parse(plan_to_json(plan));
  out["summary"] = std::filesystem::exists(dir / "summary.json")
                       ? json::parse(read_text(dir / "summary.json"), nullptr, false)
                       : json();
  if (out["summary"].is_discarded()) out["summary"] = nullptr;
  out["dvh"] = read_dvh(dir / "dvh.csv");
  json dwell = json::array();
  std::size_t n = 0;
  for (const Access& a : plan.accesses)
    for (const Vec3& p : a.dwell_positions()) {
      json d = {{"access", a.name}, {"position_lps", {p.x, p.y, p.z}}};
      d["time_s"] = n < plan.dwell_times_s.size() ? json(plan.dwell_times_s[n]) : json();
      dwell.push_back(d);
      ++n;
    }
  out["dwell"] = dwell;
  out["slices"] = {{"axial", slice_count(*img, SliceAxis::kAxial)},
                   {"sagittal", slice_count(*img, SliceAxis::kSagittal)},
                   {"coronal", slice_count(*img, SliceAxis::kCoronal)}};
  // Start where the dose is: the slices through the hottest voxel; before a computation, through
  // the first dwell position (else the middle of the volume).
  const Grid3& g = img->patient.grid;
  std::size_t hot = 0;
  for (std::size_t i = 0; i < img->dose_gy.size(); ++i)
    if (img->dose_gy[i] > img->dose_gy[hot]) hot = i;
  Index3 h = g.index3(hot);
  if (img->dose_gy.empty() || !(img->dose_gy[hot] > 0)) {
    h = {g.dims()[0] / 2, g.dims()[1] / 2, g.dims()[2] / 2};
    if (!plan.accesses.empty() && !plan.accesses.front().dwell_positions().empty())
      if (const auto at = g.voxel_at(plan.accesses.front().dwell_positions().front())) h = *at;
  }
  out["start"] = {{"axial", h.k}, {"sagittal", h.i}, {"coronal", h.j}};
  json structures = json::array();
  for (const Structure& s : img->patient.structures)
    structures.push_back({{"name", s.name}, {"color", hex_color(s.color)}});
  out["structures"] = structures;
  json iso = json::array();
  for (const auto& [pct, color] : isodose_levels())
    iso.push_back({{"percent", pct}, {"color", color}, {"dose_gy", img->reference_gy * pct / 100}});
  out["isodose"] = iso;
  json views = json::object();
  for (const auto& [name, axis] :
       {std::pair{"axial", SliceAxis::kAxial}, std::pair{"sagittal", SliceAxis::kSagittal},
        std::pair{"coronal", SliceAxis::kCoronal}})
    views[name] = view_geometry(*img, axis);
  out["views"] = views;
  // Markers over the slices: each access's applicator path (entry to tip, with the applicator's
  // radius when the commissioned source can be read), its dwell positions, the prescription point.
  double radius_mm = 0;
  try {
    if (!plan.source.empty())
      radius_mm = load_commissioned_source(plan.source).model.surface_radius_mm();
  } catch (const Error&) {
    radius_mm = 0;  // the outline is drawn without the applicator's width
  }
  json markers = json::array();
  for (const Access& a : plan.accesses) {
    markers.push_back({{"kind", "applicator"},
                       {"label", "applicator (" + a.name + ")"},
                       {"lps_mm", lps_json(a.tip_lps)},
                       {"views", in_views(*img, a.tip_lps)},
                       {"entry_lps_mm", lps_json(a.entry_lps)},
                       {"entry_views", in_views(*img, a.entry_lps)},
                       {"radius_mm", radius_mm > 0 ? json(radius_mm) : json()}});
    const auto positions = a.dwell_positions();
    for (std::size_t k = 0; k < positions.size(); ++k)
      markers.push_back({{"kind", "dwell"},
                         {"label", "dwell " + a.name + " " + std::to_string(k + 1)},
                         {"lps_mm", lps_json(positions[k])},
                         {"views", in_views(*img, positions[k])}});
  }
  const json& summary = out["summary"];
  if (summary.is_object() && summary.contains("prescription") &&
      summary["prescription"].is_object() && summary["prescription"].contains("point_mm")) {
    const json& p = summary["prescription"]["point_mm"];
    if (p.is_array() && p.size() == 3 && p[0].is_number() && p[1].is_number() && p[2].is_number()) {
      const Vec3 x{p[0].get<double>(), p[1].get<double>(), p[2].get<double>()};
      markers.push_back({{"kind", "prescription"},
                         {"label", "prescription point"},
                         {"lps_mm", lps_json(x)},
                         {"views", in_views(*img, x)}});
    }
  }
  out["markers"] = markers;
  out["documents"] = documents(id);
  return out;
}

json PlanCatalog::documents(const std::string& id) const {
  const std::filesystem::path dir = folder(id);
  json out = json::array();
  std::optional<Plan> plan;
  try {
    plan = load_plan(dir / "plan.json");
  } catch (const Error&) {
    plan.reset();  // every document is then stale
  }
  auto add = [&](const std::filesystem::path& p, const std::string& name) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(p, ec))) return;
    json d = {{"name", name}, {"bytes", std::filesystem::file_size(p, ec)}};
    // Not the approved plan's (written for the draft, or the approval's rewrite failed): listed
    // with the reason, never served.
    const std::string stale =
        plan ? document_stale_reason(dir, *plan, name) : "the plan file cannot be read";
    if (!stale.empty()) d["stale"] = stale;
    out.push_back(d);
  };
  add(dir / "report.pdf", "report.pdf");
  // The RT objects (dicom/*.dcm), then the CT series kiort wrote for them (dicom/ct/*.dcm from
  // kiort report, ct/*.dcm from kiort demo).
  for (const std::string sub : {"dicom", "dicom/ct", "ct"}) {
    std::vector<std::string> files;
    std::error_code ec;
    if (std::filesystem::is_directory(dir / sub, ec))
      for (const auto& e : std::filesystem::directory_iterator(dir / sub, ec))
        if (e.path().extension() == ".dcm") files.push_back(e.path().filename().string());
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) add(dir / sub / f, sub + "/" + f);
  }
  return out;
}

std::filesystem::path PlanCatalog::document(const std::string& id, const std::string& name) const {
  for (const json& d : documents(id))
    if (d["name"] == name) return folder(id) / name;
  throw Error::bad_input("no such document of the plan")
      .field("document")
      .seen(name)
      .expected("report.pdf or dicom/NAME.dcm of the plan folder");
}

std::string PlanCatalog::document_stale(const std::string& id, const std::string& name) const {
  for (const json& d : documents(id))
    if (d["name"] == name) return d.value("stale", "");
  return "no such document of the plan";
}

json PlanCatalog::approve_plan(const std::string& id, const std::string& by,
                               const std::string& comment) {
  const std::filesystem::path path = folder(id) / "plan.json";
  std::lock_guard lock(mutex_);  // one approval at a time
  Plan plan = load_plan(path);
  approve(plan, by, comment);
  save_plan(path, plan);
  images_.erase(id);
  // The folder's report.pdf and dicom/ were the draft's: written again for the approved plan. A
  // failure leaves them whole but marked stale (documents() says why); the approval stands.
  const DocumentsRewrite docs = rewrite_documents_after_approval(path);
  json out = {{"approved", true},
              {"state", "approved"},
              {"plan_id", plan.id},
              {"by", plan.approval.by},
              {"at", plan.approval.at},
              {"comment", plan.approval.comment},
              {"checksum", plan.approval.checksum}};
  out["documents_rewrite"] = {{"attempted", docs.attempted},
                              {"ok", docs.ok},
                              {"written", docs.written},
                              {"error", docs.ok ? json() : json(docs.error)}};
  return out;
}

}  // namespace kiort
