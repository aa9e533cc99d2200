#include "report/dosimetry_section.h"

#include <string>

#include "source/calibration.h"

namespace kiort {

using ojson = nlohmann::ordered_json;

namespace {
std::string str(const ojson& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "n/a";
  const ojson& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return fmt(v.get<double>(), 3);
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}
}  // namespace

bool illustrative_calibration(const ojson& s) {
  const ojson c = s.value("calibration", ojson());
  return c.is_object() && c.value("illustrative", false);
}

void add_illustrative_banner(PdfDocument& doc) {
  doc.paragraph_markup("<span foreground='#c00000' size='x-large'><b>" +
                       escape_markup(kIllustrativeBanner) + "</b></span>");
  doc.paragraph(
      "The probe calibration this plan uses is illustrative, not a measurement of a real probe: "
      "its dwell times and doses, and a commissioning PASS against it, validate nothing about a "
      "real probe.");
}

void add_dosimetry_statement(PdfDocument& doc, const ojson& s) {
  const ojson cal = s.value("calibration", ojson());
  if (cal.is_object()) {
    doc.heading("Calibration provenance", 2);
    doc.key_values({
        {"Illustrative", cal.value("illustrative", false)
                             ? std::string("YES - ") + kIllustrativeBanner
                             : std::string("no")},
        {"Probe serial, date", str(cal, "serial") + ", " + str(cal, "date")},
        {"Formalism", str(cal, "formalism")},
        {"Depth reference", str(cal, "depth_reference")},
        {"Applicator outer radius", str(cal, "applicator_outer_radius_mm") + " mm"},
        {"Phantom", str(cal, "phantom") + " (" + str(cal, "phantom_radius_mm") +
                        " mm of water about the source)"},
        {"Detector", str(cal, "detector")},
        {"Measured by", str(cal, "measured_by")},
        {"File", str(cal, "file")},
    });
  }
  const ojson ub = s.value("uncertainty_budget", ojson());
  if (ub.is_object()) {
    Table t;
    t.caption = "Uncertainty budget of the dose at the prescription point (relative, " +
                ub.value("coverage", std::string("k=1")) + ", combined in quadrature)";
    t.header = {"Component", "Relative", "Basis"};
    t.align = {Align::kLeft, Align::kRight, Align::kLeft};
    t.width_weight = {1.6, 0.8, 5};
    for (const auto& c : ub.value("components", ojson::array()))
      t.rows.push_back({c.value("name", std::string()), fmt(100 * c.value("rel", 0.0), 1) + " %",
                        c.value("basis", std::string())});
    t.rows.push_back({"combined", fmt(100 * ub.value("combined_rel", 0.0), 1) + " %",
                      "root sum of squares (uncorrelated)"});
    doc.table(t);
  }
  const ojson sm = s.value("source_model", ojson());
  if (sm.is_object()) {
    Table t;
    t.caption = "Source model: every parameter the dose depends on";
    t.header = {"Parameter", "Value", "Status", "Note"};
    t.align = {Align::kLeft, Align::kRight, Align::kLeft, Align::kLeft};
    t.width_weight = {2.4, 1.2, 1, 4};
    for (const auto& p : sm.value("parameters", ojson::array()))
      t.rows.push_back({p.value("parameter", std::string()),
                        (p.contains("value") && p["value"].is_number()
                             ? fmt(p["value"].get<double>(), 3) + " " + p.value("unit", "")
                             : str(p, "value")),
                        p.value("status", std::string()), p.value("note", std::string())});
    doc.table(t);
    const ojson sh = sm.value("shadow", ojson());
    if (sh.is_object()) {
      std::string f;
      for (const auto& a : sh.value("anisotropy_10mm", ojson::array()))
        f += (f.empty() ? "" : ", ") + fmt(a.value("theta_deg", 0.0), 0) + " deg " +
             fmt(a.value("F", 0.0), 2);
      std::string parts;
      for (const auto& st : sh.value("structures", ojson::array()))
        parts += " " + st.value("role", std::string()) + " " + st.value("name", std::string()) +
                 ": " + fmt(100 * st.value("fraction_in_shadow", 0.0), 0) +
                 " % of its voxels in the shadow, water dose " +
                 fmt(100 * st.value("water_dose_ratio_to_isotropic", 0.0), 0) +
                 " % of an isotropic source's.";
      doc.paragraph(
          "The shadow behind the tip (shaft and drift tube, assumed walls): F(10 mm, "
          "theta) " +
          f + "; below 0.5 beyond " + fmt(sh.value("shadow_angle_deg", 180.0), 0) + " degrees." +
          parts + " " + sm.value("published_anisotropy", std::string()) + ".");
    }
  }
}

}  // namespace kiort
