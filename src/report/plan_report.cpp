#include "report/plan_report.h"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/version.h"
#include "plan/json_field.h"
#include "report/document.h"
#include "report/dosimetry_section.h"
#include "report/evidence_sections.h"
#include "report/plot.h"
#include "report/text.h"

namespace kiort {
namespace {

using ojson = nlohmann::ordered_json;

// Isodose levels in % of the prescribed dose, with their colours (hot to cold).
struct IsoLevel {
  double pct;
  Rgb color;
};
constexpr std::array<IsoLevel, 5> kIsoLevels{{{200, {0.55, 0.0, 0.0}},
                                              {150, {0.9, 0.1, 0.1}},
                                              {100, {1.0, 0.85, 0.0}},
                                              {50, {0.1, 0.8, 0.2}},
                                              {25, {0.2, 0.5, 1.0}}}};
// Bone window: the vertebra's cortex and the lytic lesion both stay readable.
constexpr double kWindowCentreHu = 400, kWindowWidthHu = 1800;
// Half the field of view of an overlay around the dwell position (mm).
constexpr double kHalfFieldMm = 40;

enum class Plane { kAxial, kSagittal, kCoronal };
const char* plane_name(Plane p) {
  return p == Plane::kAxial ? "axial" : p == Plane::kSagittal ? "sagittal" : "coronal";
}

// A slice of the patient grid through a point: a 2-D raster (u to the right, v downwards on the
// page) with each pixel's patient voxel index; the CT, the dose and the masks are sampled there.
struct SliceView {
  int nu = 0, nv = 0;
  double du_mm = 1, dv_mm = 1;   // pixel size
  std::vector<std::size_t> vox;  // patient linear index per pixel (u fastest)
};

SliceView make_view(const Grid3& g, Plane plane, const Vec3& through) {
  const auto& d = g.dims();
  const Vec3 c = g.continuous_index(through);
  auto clampi = [](double x, int n) {
    return std::clamp(static_cast<int>(std::lround(x)), 0, n - 1);
  };
  const int ci = clampi(c.x, d[0]), cj = clampi(c.y, d[1]), ck = clampi(c.z, d[2]);
  const Vec3 sp = g.spacing();
  // Index ranges within the field of view.
  auto range = [&](double centre, double spacing, int n) {
    const int half = static_cast<int>(std::ceil(kHalfFieldMm / spacing));
    const int mid = clampi(centre, n);
    return std::array<int, 2>{std::max(0, mid - half), std::min(n - 1, mid + half)};
  };
  const auto ri = range(c.x, sp.x, d[0]), rj = range(c.y, sp.y, d[1]), rk = range(c.z, sp.z, d[2]);
  SliceView v;
  // Axial: u = i (patient's left to the right of the page, radiological view from the feet),
  // v = j (posterior down). Sagittal: u = j (anterior left), v = -k (superior up). Coronal: u = i,
  // v = -k.
  std::array<int, 2> ru = ri, rv = rj;
  if (plane == Plane::kSagittal) ru = rj, rv = rk;
  if (plane == Plane::kCoronal) ru = ri, rv = rk;
  v.nu = ru[1] - ru[0] + 1;
  v.nv = rv[1] - rv[0] + 1;
  v.du_mm = plane == Plane::kSagittal ? sp.y : sp.x;
  v.dv_mm = plane == Plane::kAxial ? sp.y : sp.z;
  v.vox.resize(static_cast<std::size_t>(v.nu) * static_cast<std::size_t>(v.nv));
  for (int b = 0; b < v.nv; ++b)
    for (int a = 0; a < v.nu; ++a) {
      Index3 ix;
      const int u = ru[0] + a;
      const int w = plane == Plane::kAxial ? rv[0] + b : rv[1] - b;  // superior up
      if (plane == Plane::kAxial) ix = {u, w, ck};
      if (plane == Plane::kSagittal) ix = {ci, u, w};
      if (plane == Plane::kCoronal) ix = {u, cj, w};
      v.vox[static_cast<std::size_t>(b) * static_cast<std::size_t>(v.nu) +
            static_cast<std::size_t>(a)] = g.linear(ix);
    }
  return v;
}

// Page position of a patient point in the view (pixel units, u right and v down).
std::array<double, 2> to_view(const Grid3& g, const SliceView& v, Plane plane, const Vec3& p) {
  const Vec3 c = g.continuous_index(p);
  const Index3 first = g.index3(v.vox.front());
  const Index3 last = g.index3(v.vox.back());
  if (plane == Plane::kAxial) return {c.x - double(first.i), c.y - double(first.j)};
  if (plane == Plane::kSagittal) return {c.y - double(first.j), double(first.k) - c.z};
  (void)last;
  return {c.x - double(first.i), double(first.k) - c.z};
}

// Marching squares on a field sampled at pixel centres: segments of the level line, in pixel
// coordinates (centre of pixel (a, b) at (a + 0.5, b + 0.5)). Saddles take one of the two
// pairings, which is enough for a drawn contour.
void level_segments(const std::vector<double>& f, int nu, int nv, double level,
                    const std::function<void(double, double, double, double)>& emit) {
  auto at = [&](int a, int b) {
    return f[static_cast<std::size_t>(b) * static_cast<std::size_t>(nu) +
             static_cast<std::size_t>(a)];
  };
  for (int b = 0; b + 1 < nv; ++b)
    for (int a = 0; a + 1 < nu; ++a) {
      const double v[4] = {at(a, b), at(a + 1, b), at(a + 1, b + 1), at(a, b + 1)};
      const double px[4] = {a + 0.5, a + 1.5, a + 1.5, a + 0.5};
      const double py[4] = {b + 0.5, b + 0.5, b + 1.5, b + 1.5};
      std::array<double, 8> pts{};
      int n = 0;
      for (int e = 0; e < 4; ++e) {
        const int e2 = (e + 1) % 4;
        const bool in1 = v[e] >= level, in2 = v[e2] >= level;
        if (in1 == in2) continue;
        const double t = (level - v[e]) / (v[e2] - v[e]);
        pts[static_cast<std::size_t>(2 * n)] = px[e] + t * (px[e2] - px[e]);
        pts[static_cast<std::size_t>(2 * n + 1)] = py[e] + t * (py[e2] - py[e]);
        ++n;
      }
      if (n >= 2) emit(pts[0], pts[1], pts[2], pts[3]);
      if (n == 4) emit(pts[4], pts[5], pts[6], pts[7]);
    }
}

struct OverlayInput {
  const Plan* plan;
  const PatientModel* patient;
  const PlanReportData* data;
  std::vector<double> dose_on_patient;  // primary dose sampled on the patient grid (0 outside)
};

void draw_overlay(cairo_t* cr, const OverlayInput& in, Plane plane, const Vec3& dwell, double x,
                  double y, double w, double h) {
  const PatientModel& pm = *in.patient;
  const SliceView v = make_view(pm.grid, plane, dwell);
  const double scale = std::min(w / (v.nu * v.du_mm), (h - 14) / (v.nv * v.dv_mm));
  const double sx = scale * v.du_mm, sy = scale * v.dv_mm;
  const double ox = x + (w - v.nu * sx) / 2, oy = y + 14;
  cairo_save(cr);
  text::draw(cr, std::string(plane_name(plane)), text::Style{.size_pt = 8, .bold = true}, x + w / 2,
             y, text::HAlign::kCenter);
  // The CT in a bone window, as an image scaled to millimetres.
  cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, v.nu, v.nv);
  const int stride = cairo_image_surface_get_stride(img);
  unsigned char* px = cairo_image_surface_get_data(img);
  for (int b = 0; b < v.nv; ++b)
    for (int a = 0; a < v.nu; ++a) {
      const std::size_t vox = v.vox[static_cast<std::size_t>(b * v.nu + a)];
      const double hu = pm.hu.empty() ? 0.0 : pm.hu[vox];
      const double g =
          std::clamp((hu - (kWindowCentreHu - kWindowWidthHu / 2)) / kWindowWidthHu, 0.0, 1.0);
      const auto c = static_cast<std::uint32_t>(std::lround(255 * g));
      reinterpret_cast<std::uint32_t*>(px + b * stride)[a] = (c << 16) | (c << 8) | c;
    }
  cairo_surface_mark_dirty(img);
  cairo_save(cr);
  cairo_rectangle(cr, ox, oy, v.nu * sx, v.nv * sy);
  cairo_clip(cr);
  cairo_translate(cr, ox, oy);
  cairo_scale(cr, sx, sy);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(img);

  cairo_save(cr);
  cairo_rectangle(cr, ox, oy, v.nu * sx, v.nv * sy);
  cairo_clip(cr);
  auto line = [&](double a0, double b0, double a1, double b1) {
    cairo_move_to(cr, ox + a0 * sx, oy + b0 * sy);
    cairo_line_to(cr, ox + a1 * sx, oy + b1 * sy);
  };
  std::vector<double> field(v.vox.size());
  // Structure outlines (thin, in their colours).
  for (const Structure& st : pm.structures) {
    if (st.mask.size() != pm.grid.voxel_count()) continue;
    bool any = false;
    for (std::size_t i = 0; i < field.size(); ++i) {
      field[i] = st.mask[v.vox[i]] ? 1.0 : 0.0;
      any = any || field[i] > 0;
    }
    if (!any) continue;
    cairo_set_source_rgb(cr, st.color[0] / 255.0, st.color[1] / 255.0, st.color[2] / 255.0);
    cairo_set_line_width(cr, 0.6);
    level_segments(field, v.nu, v.nv, 0.5, line);
    cairo_stroke(cr);
  }
  // Isodose lines of the primary engine.
  for (std::size_t i = 0; i < field.size(); ++i) field[i] = in.dose_on_patient[v.vox[i]];
  for (const IsoLevel& lv : kIsoLevels) {
    cairo_set_source_rgb(cr, lv.color.r, lv.color.g, lv.color.b);
    cairo_set_line_width(cr, 1.2);
    level_segments(field, v.nu, v.nv, in.plan->prescription.dose_gy * lv.pct / 100.0, line);
    cairo_stroke(cr);
  }
  // The applicator path and the dwell positions.
  cairo_set_source_rgb(cr, 0.0, 0.8, 1.0);
  cairo_set_line_width(cr, 1.5);
  for (const Access& acc : in.plan->accesses) {
    const auto e = to_view(pm.grid, v, plane, acc.entry_lps);
    const auto t = to_view(pm.grid, v, plane, acc.tip_lps);
    cairo_move_to(cr, ox + (e[0] + 0.5) * sx, oy + (e[1] + 0.5) * sy);
    cairo_line_to(cr, ox + (t[0] + 0.5) * sx, oy + (t[1] + 0.5) * sy);
    cairo_stroke(cr);
    for (const Vec3& d : acc.dwell_positions()) {
      const auto p = to_view(pm.grid, v, plane, d);
      cairo_arc(cr, ox + (p[0] + 0.5) * sx, oy + (p[1] + 0.5) * sy, 2.0, 0, 2 * M_PI);
      cairo_fill(cr);
    }
  }
  cairo_restore(cr);
  // Scale bar: 10 mm.
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_set_line_width(cr, 1.5);
  const double bar = 10 * scale;
  cairo_move_to(cr, ox + 4, oy + v.nv * sy - 5);
  cairo_line_to(cr, ox + 4 + bar, oy + v.nv * sy - 5);
  cairo_stroke(cr);
  cairo_restore(cr);
}

void draw_iso_legend(cairo_t* cr, double rx_gy, double x, double y) {
  double cx = x;
  for (const IsoLevel& lv : kIsoLevels) {
    cairo_set_source_rgb(cr, lv.color.r, lv.color.g, lv.color.b);
    cairo_rectangle(cr, cx, y + 3, 14, 3);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    const auto e = text::draw(cr, fmt(lv.pct, 0) + " % (" + fmt(rx_gy * lv.pct / 100, 1) + " Gy)",
                              text::Style{.size_pt = 7}, cx + 17, y);
    cx += 17 + e.width + 10;
  }
}

// The three planes side by side, with the isodose legend underneath.
DrawCallback overlay_callback(const OverlayInput& in, const Vec3& dwell) {
  return [&in, dwell](cairo_t* cr, double x, double y, double w, double h) {
    const double gap = 6, pw = (w - 2 * gap) / 3;
    const Plane planes[3] = {Plane::kAxial, Plane::kSagittal, Plane::kCoronal};
    for (int i = 0; i < 3; ++i)
      draw_overlay(cr, in, planes[i], dwell, x + i * (pw + gap), y, pw, h - 14);
    draw_iso_legend(cr, in.plan->prescription.dose_gy, x, y + h - 11);
  };
}

void write_png_callback(const DrawCallback& draw, const std::filesystem::path& path, int w_px,
                        int h_px) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w_px, h_px);
  cairo_t* cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  // Points on the page become 2 pixels: the PNG is the page figure at 144 dpi.
  cairo_scale(cr, 2.0, 2.0);
  draw(cr, 0, 0, w_px / 2.0, h_px / 2.0);
  cairo_destroy(cr);
  std::string png;
  cairo_surface_write_to_png_stream(
      s,
      [](void* closure, const unsigned char* data, unsigned int length) {
        static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
        return CAIRO_STATUS_SUCCESS;
      },
      &png);
  cairo_surface_destroy(s);
  write_file_atomic(path, png);
}

// A number of the evaluation, "n/a" when absent or null; of another type: exit 2 naming the field.
std::string num(const OrderedJsonField& j, const char* key, int decimals, const char* unit = "") {
  const OrderedJsonField f = j[key];
  return f.present() ? fmt(f.number(), decimals) + unit : "n/a";
}
bool flag(const OrderedJsonField& f) {
  return f.present() && f.boolean();
}

}  // namespace

PlanReportData plan_report_data(const Plan& plan, const PlanComputation& c) {
  PlanReportData d;
  d.dose_grid = c.dose_grid;
  d.dose_gy = c.dose_gy;
  d.dose_water_gy = c.dose_water_gy;
  d.dose_water_medium_gy = c.dose_water_medium_gy;
  d.sigma_rel = c.sigma_rel;
  d.dvh_primary = c.dvh_primary;
  if (plan.engine.engine == "mc") d.dvh_water = c.dvh_water;
  d.summary_json = c.summary.dump();
  return d;
}

PlanReportResult write_plan_report(const Plan& plan, const PatientModel& patient,
                                   const PlanReportData& data, const std::filesystem::path& pdf,
                                   const std::filesystem::path& png_dir) {
  if (plan.dwell_times_s.empty() || plan.dwell_times_s.size() != plan.dwell_count())
    throw Error::bad_input("the plan is not computed: no dwell times (run kiort plan compute)")
        .field("dwell_times_s");
  if (data.summary_json.empty() && plan.evaluation_json.empty())
    throw Error::bad_input("the plan is not computed: no evaluation (run kiort plan compute)")
        .field("evaluation");
  const std::size_t nv = data.dose_grid.voxel_count();
  if (data.dose_gy.size() != nv ||
      (!data.dose_water_gy.empty() && data.dose_water_gy.size() != nv) ||
      (!data.sigma_rel.empty() && data.sigma_rel.size() != nv))
    throw Error::bad_input("dose arrays do not match the dose grid")
        .seen(std::to_string(data.dose_gy.size()))
        .expected(std::to_string(nv));
  const ojson s =
      ojson::parse(data.summary_json.empty() ? plan.evaluation_json : data.summary_json);
  // Every read of the evaluation is checked (plan/json_field.h): a person may have edited it.
  const OrderedJsonField sf(s, "plan.json of plan " + plan.id, "evaluation");
  const bool mc = plan.engine.engine == "mc";

  // The primary dose on the patient grid (nearest dose voxel; the dose grid is a box of it).
  OverlayInput in{&plan, &patient, &data, std::vector<double>(patient.grid.voxel_count(), 0.0)};
  for (std::size_t v = 0; v < in.dose_on_patient.size(); ++v) {
    if (const auto ix = data.dose_grid.voxel_at(patient.grid.position(patient.grid.index3(v))))
      in.dose_on_patient[v] = data.dose_gy[data.dose_grid.linear(*ix)];
  }

  const std::string state = plan.approval.approved
                                ? "APPROVED by " + plan.approval.by + " at " + plan.approval.at
                                : "DRAFT - NOT APPROVED - not for treatment";
  const bool illustrative = data.illustrative_calibration || illustrative_calibration(s);
  PdfOptions opt;
  opt.title = "Kypho-IORT plan " + plan.id;
  opt.header_note = std::string(plan.approval.approved ? "APPROVED" : "DRAFT (not approved)") +
                    (illustrative ? " - ILLUSTRATIVE CALIBRATION" : "");
  PdfDocument doc(opt);
  doc.heading("Kypho-IORT treatment plan");
  doc.paragraph_markup(plan.approval.approved ? "<span foreground='#006400' size='x-large'><b>" +
                                                    escape_markup(state) + "</b></span>"
                                              : "<span foreground='#c00000' size='xx-large'><b>" +
                                                    escape_markup(state) + "</b></span>");
  if (illustrative) add_illustrative_banner(doc);
  const OrderedJsonField rx = sf["prescription"];
  const std::string rx_text =
      fmt(plan.prescription.dose_gy, 2) + " Gy " +
      (plan.prescription.kind == "point"
           ? "at " + fmt(plan.prescription.depth_mm, 1) + " mm from the " +
                 (plan.prescription.reference() == DepthConvention::kSourceCentre
                      ? "source centre"
                      : "applicator surface") +
                 " in water"
           : "to D" + fmt(plan.prescription.coverage_pct, 0) + " % of " + plan.target);
  doc.key_values({
      {"Patient", (patient.patient_name.empty() ? std::string("(no name)") : patient.patient_name) +
                      ", ID " + (patient.patient_id.empty() ? "(none)" : patient.patient_id) +
                      " (" + plan.patient.kind +
                      (plan.patient.kind == "phantom"
                           ? " " + plan.patient.level + ", " + plan.patient.lesion + " lesion"
                           : ": " + plan.patient.path) +
                      ")"},
      {"Plan ID",
       plan.id + (plan.parent_id.empty() ? "" : " (copied from " + plan.parent_id + ")")},
      {"Created", plan.created},
      {"Level(s)", plan.level},
      {"Target", plan.target},
      {"Probe", "serial " + (data.probe_serial.empty() ? "n/a" : data.probe_serial) +
                    ", calibrated " +
                    (data.calibration_date.empty() ? "n/a" : data.calibration_date)},
      {"Tube voltage", fmt(plan.kv, 0) + " kV"},
      {"Applicator", data.applicator.empty() ? "n/a" : data.applicator},
      {"Prescription", rx_text},
      {"Prescription source",
       plan.prescription.citation.empty() ? "-" : plan.prescription.citation},
      {"Engine", sf["engine"].string_or(plan.engine.engine)},
      {"Software", sf["software"].string_or(std::string("kiort ") + version())},
      {"Report by", std::string("kiort ") + version() + " (" + git_commit() + ")"},
      {"Approval", state},
  });
  // What the patient model says every output must say (e.g. a structure set read on another
  // Frame of Reference by the user's override).
  for (const std::string& w : patient.output_warnings) doc.paragraph("WARNING: " + w + ".");

  // What the console needs.
  Table dwell;
  dwell.caption = "Dwell positions and times (enter on the console)";
  dwell.header = {"Access", "Dwell", "x (mm)", "y (mm)", "z (mm)", "Time (s)", "2nd check (s)"};
  dwell.align = {Align::kLeft,  Align::kRight, Align::kRight, Align::kRight,
                 Align::kRight, Align::kRight, Align::kRight};
  const std::vector<OrderedJsonField> check_times =
      sf["second_check"]["water_engine_dwell_times_s"].elements();
  std::size_t k = 0;
  std::vector<Vec3> all_dwells;
  for (std::size_t a = 0; a < plan.accesses.size(); ++a) {
    const auto dw = plan.accesses[a].dwell_positions();
    for (std::size_t i = 0; i < dw.size(); ++i, ++k) {
      all_dwells.push_back(dw[i]);
      dwell.rows.push_back({plan.accesses[a].name, std::to_string(i + 1), fmt(dw[i].x, 1),
                            fmt(dw[i].y, 1), fmt(dw[i].z, 1), fmt(plan.dwell_times_s[k], 1),
                            k < check_times.size() ? fmt(check_times[k].number(), 1) : "n/a"});
    }
  }
  dwell.rows.push_back(
      {"Total", "", "", "", "",
       fmt(std::accumulate(plan.dwell_times_s.begin(), plan.dwell_times_s.end(), 0.0), 1), ""});
  doc.table(dwell);

  // Doses at the prescription point (TG-186's three quantities, evaluated at the point) and the
  // second check.
  const OrderedJsonField sc = sf["second_check"];
  const OrderedJsonField at = rx["dose_at_point"];
  // "9.52 / 5.73 / 8.00 Gy" from an object's Dm,m, Dw,m and Dw,w (n/a where null).
  const auto three = [&](const OrderedJsonField& j, const char* dm_m, const char* dw_m,
                         const char* dw_w) {
    return num(j, dm_m, 3, "") + " / " + num(j, dw_m, 3, "") + " / " + num(j, dw_w, 3, " Gy");
  };
  doc.heading("Dose and second check", 2);
  doc.key_values({
      {"Calibration dose rate", num(rx, "calibration_rate_gy_per_min", 3, " Gy/min")},
      {"The prescription refers to", rx["quantity_text"].string_or("n/a")},
      {"Prescription point: Dm,m / Dw,m / Dw,w", three(at, "dm_m_gy", "dw_m_gy", "dw_w_gy")},
      {"How the point is evaluated", at["method"].string_or("n/a")},
      {"Monte Carlo uncertainty at the point",
       mc && at["sigma_rel"].present() ? fmt(100 * at["sigma_rel"].number(), 2) + " % (1 sigma)"
                                       : "n/a (water engine, deterministic)"},
      {"Monte Carlo histories",
       sf.has("mc_histories") ? std::to_string(sf["mc_histories"].count()) : "n/a"},
      {"Second check (water engine)", sc.has("deviation")
                                          ? fmt(100 * sc["deviation"].number(), 2) +
                                                " % against the calibration (tolerance " +
                                                fmt(100 * sc["tolerance"].number_or(0.0), 0) +
                                                " %): " + (flag(sc["flagged"]) ? "FLAGGED" : "pass")
                                          : "n/a"},
  });
  doc.paragraph(
      "TG-186 quantities (AAPM TG-186, Beaulieu et al. 2012): Dm,m = dose to medium in medium "
      "(the Monte Carlo's), Dw,m = dose to a small cavity of water in the medium (a cell in "
      "marrow sees something near it), Dw,w = dose to water in water (the water engine, the "
      "calibration's convention). n/a: not computed by this plan's engine.");

  // Constraints and metrics, the three quantities side by side.
  Table cons;
  cons.caption = "Constraints and metrics";
  cons.header = {"Item", "Dm,m (MC)", "Dw,m (MC)", "Dw,w (water)", "Limit / goal", "Status"};
  cons.align = {Align::kLeft,  Align::kRight, Align::kRight,
                Align::kRight, Align::kRight, Align::kLeft};
  cons.width_weight = {3, 1.2, 1.2, 1.2, 1.2, 0.8};
  for (const auto& c : sf["constraints"].elements())
    cons.rows.push_back({c["name"].string_or(""), num(c, "value_gy", 2, " Gy"), "", "",
                         num(c, "limit_gy", 2, " Gy"), flag(c["pass"]) ? "pass" : "FAIL"});
  // One row of a structure's metric in each quantity.
  const auto metric_row = [&](const OrderedJsonField& st, const std::string& label, const char* key,
                              int decimals, const char* unit) {
    cons.rows.push_back({st["name"].string_or("") + " " + label,
                         num(st["dm_m"], key, decimals, unit), num(st["dw_m"], key, decimals, unit),
                         num(st["dw_w"], key, decimals, unit), "", ""});
  };
  const OrderedJsonField t = sf["target"];
  if (t.is_object()) {
    metric_row(t, "D90", "D90_gy", 2, " Gy");
    metric_row(t, "D98", "D98_gy", 2, " Gy");
    metric_row(t, "Dmean", "Dmean_gy", 2, " Gy");
    metric_row(t, "D2cc", "D2cc_gy", 2, " Gy");
    metric_row(t, "D0.1cc", "D0.1cc_gy", 2, " Gy");
    metric_row(t, "V100", "V100_pct", 1, " %");
    metric_row(t, "V150", "V150_pct", 1, " %");
  }
  const OrderedJsonField cord = sf["cord"];
  if (cord.is_object()) {
    metric_row(cord, "Dmax", "Dmax_gy", 2, " Gy");
    metric_row(cord, "D0.03cc", "D0.03cc_gy", 2, " Gy");
    metric_row(cord, "D0.1cc", "D0.1cc_gy", 2, " Gy");
  }
  const OrderedJsonField canal = sf["canal"];
  if (canal.is_object()) {
    metric_row(canal, "Dmax", "Dmax_gy", 2, " Gy");
    metric_row(canal, "D0.1cc", "D0.1cc_gy", 2, " Gy");
    metric_row(canal, "anterior wall Dmax", "anterior_wall_Dmax_gy", 2, " Gy");
  }
  doc.table(cons);
  if (const OrderedJsonField av = sf["applicator_voxels"]; av.is_object())
    doc.paragraph("Metrics and DVHs leave out the " + num(av, "voxels_left_out", 0, "") +
                  " voxels the applicator touches (" + num(av, "tissue_left_out_cc", 3, " cc") +
                  " of tissue in them): " + av["rule"].string_or("") +
                  ". Dmean is dominated by the voxels nearest the applicator; D2cc and D0.1cc "
                  "stand beside it.");

  // Per medium: one ratio over several media would be true of none of them.
  Table media;
  media.caption = "Dose ratios per medium (means over the medium's voxels)";
  media.header = {"Structure", "Medium", "Voxels", "Dm,m / Dw,w", "Dw,m / Dw,w", "Dm,m / Dw,m"};
  media.align = {Align::kLeft,  Align::kLeft,  Align::kRight,
                 Align::kRight, Align::kRight, Align::kRight};
  for (const auto& r : sf["media_ratios"].elements())
    media.rows.push_back({r["structure"].string_or(""), r["medium"].string_or(""),
                          num(r, "voxels", 0, ""), num(r, "dm_m_over_dw_w", 3, ""),
                          num(r, "dw_m_over_dw_w", 3, ""), num(r, "dm_m_over_dw_m", 3, "")});
  if (!media.rows.empty()) doc.table(media);

  // Next to the applicator, perpendicular to the axis at the (first) dwell position.
  Table near;
  near.caption =
      "Dose next to the applicator (perpendicular to the axis, towards the "
      "prescription point)";
  near.header = {"From surface", "Medium", "Dm,m", "Dw,m", "Dw,w", "MC sigma"};
  near.align = {Align::kRight, Align::kLeft,  Align::kRight,
                Align::kRight, Align::kRight, Align::kRight};
  for (const auto& r : sf["near_applicator"].elements())
    near.rows.push_back(
        {num(r, "from_surface_mm", 0, " mm"), r["medium"].string_or(""),
         num(r, "dm_m_gy", 1, " Gy"), num(r, "dw_m_gy", 1, " Gy"), num(r, "dw_w_gy", 1, " Gy"),
         r["sigma_rel"].present() ? fmt(100 * r["sigma_rel"].number(), 1) + " %" : "n/a"});
  if (!near.rows.empty()) doc.table(near);
  for (const auto& m : sf["messages"].elements()) doc.paragraph(m.string());

  add_rationale_section(doc, plan);  // the evidence linked to the prescription, if any

  add_dosimetry_statement(doc, s);

  // DVH: both engines, the structures that matter clinically.
  Plot dvh;
  dvh.title = "Cumulative DVH";
  dvh.x.label = "Dose (Gy)";
  dvh.y.label = "Volume (%)";
  dvh.y.min = 0;
  dvh.y.max = 100;
  dvh.x.min = 0;
  auto wanted = [&](const std::string& name) {
    if (name == plan.target || name == "VB_" + plan.level) return true;
    for (const char* key : {"Cord", "Canal", "Cauda", "cord", "canal", "cauda"})
      if (name.find(key) != std::string::npos) return true;
    return false;
  };
  std::size_t colour = 0;
  for (const DvhCurve& c : data.dvh_primary) {
    if (!wanted(c.structure)) continue;
    const Rgb col = palette_color(colour++);
    Series sp{.name = c.structure + (mc ? " (MC)" : ""), .kind = SeriesKind::kStep, .x = c.dose_gy};
    for (const double f : c.volume_fraction) sp.y.push_back(100 * f);
    sp.color = col;
    dvh.series.push_back(sp);
    for (const DvhCurve& w : data.dvh_water) {
      if (w.structure != c.structure) continue;
      Series sw{.name = c.structure + " (water)", .kind = SeriesKind::kStep, .x = w.dose_gy};
      for (const double f : w.volume_fraction) sw.y.push_back(100 * f);
      sw.color = col;
      sw.dashed = true;
      dvh.series.push_back(sw);
    }
  }
  // Figures, as PNG too.
  std::filesystem::create_directories(png_dir);
  PlanReportResult result;
  const std::filesystem::path dvh_png = png_dir / "dvh.png";
  write_png(dvh, dvh_png, 1200, 800);
  result.figures.push_back(dvh_png);
  doc.figure(
      Figure{.caption = mc ? "Cumulative DVH: Monte Carlo dose to medium (solid), fast water "
                             "engine (dashed)"
                           : "Cumulative DVH (fast water engine)",
             .plot = dvh,
             .height_mm = 85});

  for (std::size_t i = 0; i < all_dwells.size(); ++i) {
    const Vec3& d = all_dwells[i];
    const std::string caption =
        "Isodoses (primary engine, % of " + fmt(plan.prescription.dose_gy, 1) +
        " Gy) on the CT (bone window) through dwell position " + std::to_string(i + 1) + " at (" +
        fmt(d.x, 1) + ", " + fmt(d.y, 1) + ", " + fmt(d.z, 1) +
        ") mm; structures outlined, applicator in cyan, 10 mm scale bar";
    const DrawCallback cb = overlay_callback(in, d);
    const std::filesystem::path png = png_dir / ("isodose_dwell" + std::to_string(i + 1) + ".png");
    write_png_callback(cb, png, 1400, 560);
    result.figures.push_back(png);
    doc.figure(Figure{.caption = caption, .draw = cb, .height_mm = 70});
  }

  if (!data.dicom_files.empty()) {
    doc.heading("DICOM RT export", 2);
    // The CT slices kiort wrote are one line, not a hundred names.
    std::string files;
    std::size_t ct_slices = 0;
    for (const auto& f : data.dicom_files) {
      if (f.rfind("ct/", 0) == 0) {
        ++ct_slices;
        continue;
      }
      files += (files.empty() ? "" : ", ") + f;
    }
    if (ct_slices) files += ", ct/ (" + std::to_string(ct_slices) + " CT slices)";
    doc.paragraph(files);
  }
  doc.heading("Approval", 2);
  doc.paragraph("Approval state: " + state +
                (plan.approval.approved ? " (plan checksum SHA-256 " + plan.approval.checksum + ")"
                                        : ". This plan must be approved (kiort plan approve) "
                                          "before treatment."));
  doc.signature_box({"Medical physicist", "Radiation oncologist"});
  doc.finish(pdf);
  result.pages = doc.page_count();
  return result;
}

}  // namespace kiort
