#include "plan_summary.h"

#include <cstdio>

#include "plan/json_field.h"
#include "source/calibration.h"

namespace kiort::cli {

using ojson = nlohmann::ordered_json;

// The plan's evaluation as text. It may come from a plan.json edited by hand: every field is read
// through the checked accessor, so a missing or wrong-typed one is an exit-2 message naming the
// file and field, never a crash or an internal fault.
std::string format_plan_summary(const ojson& summary, const std::string& file) {
  std::string out;
  auto say = [&out](const char* fmt, auto... args) {
    const int n = std::snprintf(nullptr, 0, fmt, args...);
    if (n <= 0) return;
    std::string line(static_cast<std::size_t>(n) + 1, '\0');
    std::snprintf(line.data(), line.size(), fmt, args...);
    line.pop_back();
    out += line;
  };
  const OrderedJsonField s(summary, file, "evaluation");
  if (!s.is_object()) throw s.wrong("an object (the plan's evaluation)");
  const auto cal = s["calibration"];
  if (cal.present() && cal["illustrative"].boolean()) say("*** %s ***\n", kIllustrativeBanner);
  say("plan %s (%s)\n", s["plan_id"].string_or("").c_str(), s["approval"].string_or("").c_str());
  if (cal.present())
    say("calibration: probe %s, %s, %s, depth reference %s, measured by %s%s\n",
        cal["serial"].string().c_str(), cal["date"].string().c_str(),
        cal["formalism"].string().c_str(), cal["depth_reference"].string().c_str(),
        cal["measured_by"].string().c_str(),
        cal["illustrative"].boolean() ? " (ILLUSTRATIVE)" : "");
  say("engine: %s\n", s["engine"].string_or("").c_str());
  const auto times = s["dwell_times_s"].elements();
  for (std::size_t i = 0; i < times.size(); ++i) {
    const Vec3 r = s["dwell_positions_mm"].at(i).point();
    say("dwell %zu at (%.1f, %.1f, %.1f) mm: %.1f s\n", i + 1, r.x, r.y, r.z, times[i].number());
  }
  const auto rx = s["prescription"];
  say("prescription: %s, %.2f Gy at %.1f mm from the %s (%s)\n", rx["kind"].string().c_str(),
      rx["dose_gy"].number(), rx["depth_mm"].number(), rx["from"].string().c_str(),
      rx["quantity"].string_or("quantity not stated").c_str());
  // "9.520 Gy", or "n/a" for a quantity this plan does not have (null).
  const auto gy = [](const OrderedJsonField& f) {
    char buf[32];
    if (!f.present()) return std::string("n/a");
    std::snprintf(buf, sizeof buf, "%.3f Gy", f.number());
    return std::string(buf);
  };
  if (const auto at = rx["dose_at_point"]; at.present()) {
    say("at the point: Dm,m %s, Dw,m %s, Dw,w %s (MC sigma %s)\n", gy(at["dm_m_gy"]).c_str(),
        gy(at["dw_m_gy"]).c_str(), gy(at["dw_w_gy"]).c_str(),
        at["sigma_rel"].present()
            ? (std::to_string(100 * at["sigma_rel"].number()).substr(0, 4) + " %").c_str()
            : "n/a");
    say("  %s\n", at["method"].string_or("").c_str());
  } else {  // an evaluation from before issue 16: the voxel values
    say("water engine gives %.3f Gy there, dose to medium %.3f Gy (sigma %.1f %%)\n",
        rx["dose_at_point_water_engine_gy"].number(), rx["dose_at_point_medium_gy"].number(),
        100 * rx["sigma_at_point_rel"].number());
  }
  const auto t = s["target"];
  say("target %s (%.2f cc): D90 %.2f Gy, D98 %.2f Gy, Dmean %.2f Gy, V100 %.1f %%, V150 %.1f %%\n",
      t["name"].string().c_str(), t["volume_cc"].number(), t["D90_gy"].number(),
      t["D98_gy"].number(), t["Dmean_gy"].number(), t["V100_pct"].number(), t["V150_pct"].number());
  if (t["dw_w"].present())
    say("  D90 Dm,m %s, Dw,m %s, Dw,w %s\n", gy(t["dm_m"]["D90_gy"]).c_str(),
        gy(t["dw_m"]["D90_gy"]).c_str(), gy(t["dw_w"]["D90_gy"]).c_str());
  if (const auto c = s["cord"]; c.present())
    say("%s: Dmax %.2f Gy, D0.1cc %.2f Gy, D0.03cc %.2f Gy\n", c["name"].string().c_str(),
        c["Dmax_gy"].number(), c["D0.1cc_gy"].number(), c["D0.03cc_gy"].number());
  if (const auto c = s["canal"]; c.present())
    say("%s: Dmax %.2f Gy, anterior wall %.2f Gy\n", c["name"].string().c_str(),
        c["Dmax_gy"].number(), c["anterior_wall_Dmax_gy"].number());
  for (const auto& m : s["media_ratios"].elements())
    if (m["dm_m_over_dw_w"].present())
      say("%s, %s (%llu voxels): Dm,m/Dw,w %.3f, Dw,m/Dw,w %.3f\n", m["structure"].string().c_str(),
          m["medium"].string().c_str(), static_cast<unsigned long long>(m["voxels"].count()),
          m["dm_m_over_dw_w"].number(), m["dw_m_over_dw_w"].number());
  for (const auto& n : s["near_applicator"].elements())
    say("%.0f mm from the applicator surface: Dm,m %s, Dw,w %s\n", n["from_surface_mm"].number(),
        gy(n["dm_m_gy"]).c_str(), gy(n["dw_w_gy"]).c_str());
  if (const auto u = s["uncertainty_budget"]; u.present()) {
    std::string parts;
    for (const auto& c : u["components"].elements()) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s%s %.1f %%", parts.empty() ? "" : ", ",
                    c["name"].string().c_str(), 100 * c["rel"].number());
      parts += buf;
    }
    say("uncertainty at the point (%s): %.1f %% combined (%s)\n", u["coverage"].string().c_str(),
        100 * u["combined_rel"].number(), parts.c_str());
  }
  const auto sc = s["second_check"];
  say("second check (water engine): %+.2f %% against the calibration (tolerance %.0f %%): %s\n",
      100 * sc["deviation"].number(), 100 * sc["tolerance"].number(),
      sc["flagged"].boolean() ? "FLAGGED" : "pass");
  for (const auto& c : s["constraints"].elements())
    say("constraint %s: %.2f Gy %s\n", c["name"].string().c_str(), c["value_gy"].number(),
        c["pass"].boolean() ? "pass" : "FAIL");
  for (const auto& m : s["messages"].elements()) say("%s\n", m.string().c_str());
  say("Monte Carlo histories %llu; %.1f s\n",
      static_cast<unsigned long long>(s["mc_histories"].count()), s["seconds"].number());
  return out;
}

}  // namespace kiort::cli
