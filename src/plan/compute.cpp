#include "plan/compute.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/nrrd.h"
#include "core/read_file.h"
#include "core/version.h"
#include "dose/water_engine.h"
#include "plan/needle_check.h"
#include "plan/provenance.h"
#include "plan/stages.h"

namespace kiort {
namespace {

using ojson = nlohmann::ordered_json;

Vec3 centroid(const PatientModel& p, const std::vector<std::uint8_t>& mask) {
  Vec3 sum{0, 0, 0};
  std::size_t n = 0;
  for (std::size_t v = 0; v < mask.size(); ++v)
    if (mask[v]) {
      sum = sum + p.grid.position(p.grid.index3(v));
      ++n;
    }
  if (n == 0) throw Error::bad_input("empty structure");
  return sum * (1.0 / double(n));
}

}  // namespace

bool mask_at(const PatientModel& p, const Structure* s, const Vec3& x) {
  if (!s) return false;
  const auto ix = p.grid.voxel_at(x);
  return ix && s->mask[p.grid.linear(*ix)] != 0;
}

const Structure& need_structure(const PatientModel& p, const std::string& name,
                                const std::string& file, const std::string& field) {
  const Structure* s = p.find(name);
  if (!s || s->voxel_count() == 0) {
    std::string have;
    for (const auto& x : p.structures) have += (have.empty() ? "" : ", ") + x.name;
    throw Error::bad_input("no such structure in the patient model")
        .file(file)
        .field(field)
        .seen(name)
        .expected("one of: " + have);
  }
  return *s;
}

double perpendicular_depth_from_centre(const Plan& plan, const CommissionedSource& s) {
  return plan.prescription.depth_mm +
         (plan.prescription.reference() == DepthConvention::kApplicatorSurface
              ? s.model.surface_radius_mm()
              : 0.0);
}

// Calibration dose rate (Gy/min) at the prescription depth, in the table's own convention.
double calibration_rate(const Plan& plan, const CommissionedSource& s, const std::string& file) {
  const double r = perpendicular_depth_from_centre(plan, s);
  const double d = s.calibration.convention == DepthConvention::kApplicatorSurface
                       ? r - s.model.surface_radius_mm()
                       : r;
  try {
    return s.calibration.dose_rate_at(d);
  } catch (const Error& e) {
    throw Error::bad_input("prescription depth outside the probe's calibration table")
        .file(file)
        .field("prescription.depth_mm")
        .seen(std::to_string(plan.prescription.depth_mm))
        .expected(std::string("a depth the calibration covers (") + e.what() + ")");
  }
}

const Structure* find_canal(const PatientModel& p) {
  for (const char* n : {"SpinalCanal", "SpinalCanal (derived)", "Canal"})
    if (const Structure* s = p.find(n)) return s;
  return nullptr;
}

const Structure* find_cord(const PatientModel& p) {
  for (const char* n : {"SpinalCord", "CaudaEquina", "Cord"})
    if (const Structure* s = p.find(n)) return s;
  return find_canal(p);
}

Access propose_access(const PatientModel& p, const std::string& target, const std::string& side,
                      bool bilateral, int dwell_count, double dwell_step_mm) {
  if (side != "left" && side != "right")
    throw Error::bad_input("unknown access side")
        .field("--access")
        .seen(side)
        .expected("left, right or bilateral");
  const Structure& t = need_structure(p, target, p.source, "target");
  const Vec3 tc = centroid(p, t.mask);
  const double sign = side == "left" ? 1.0 : -1.0;  // LPS: +x is the patient's left
  Vec3 pedicle;
  if (const Structure* ped = p.find(side == "left" ? "Pedicle_L" : "Pedicle_R");
      ped && ped->voxel_count() > 0) {
    pedicle = centroid(p, ped->mask);
  } else {
    // Arch voxels of the vertebra's label that lie posterior to the body, within 15 mm of it, on
    // this side of the midline: the pedicle's root.
    const Structure* vert = nullptr;
    for (const auto& s : p.structures)
      if (s.name.rfind("vertebrae_", 0) == 0 || s.name.rfind("Vertebra_", 0) == 0) {
        std::size_t overlap = 0;
        for (std::size_t v = 0; v < s.mask.size(); v += 1)
          if (s.mask[v] && t.mask[v]) ++overlap;
        if (overlap * 2 > t.voxel_count()) vert = &s;
      }
    if (!vert)
      throw Error::bad_input(
          "no pedicle structure and no vertebra label around the target to find one")
          .field("target")
          .seen(target)
          .expected(
              "structures Pedicle_L/Pedicle_R, a vertebra label (vertebrae_L1, ...), or --entry "
              "and --tip");
    double body_post = -1e9;
    for (std::size_t v = 0; v < t.mask.size(); ++v)
      if (t.mask[v]) body_post = std::max(body_post, p.grid.position(p.grid.index3(v)).y);
    Vec3 sum{0, 0, 0};
    std::size_t n = 0;
    for (std::size_t v = 0; v < vert->mask.size(); ++v) {
      if (!vert->mask[v] || t.mask[v]) continue;
      const Vec3 x = p.grid.position(p.grid.index3(v));
      if (x.y > body_post && x.y < body_post + 15 && sign * (x.x - tc.x) > 5 &&
          std::abs(x.z - tc.z) < 8) {
        sum = sum + x;
        ++n;
      }
    }
    if (n < 3)
      throw Error::bad_input("could not find the pedicle on this side")
          .field("--access")
          .seen(side)
          .expected("--entry and --tip");
    pedicle = sum * (1.0 / double(n));
  }
  Vec3 dir = normalized(tc - pedicle);
  Access a;
  a.name = side;
  a.automatic = true;
  // Several dwell positions are centred on the target along the path: the tip goes beyond the
  // centroid by half the train, so the pull-back does not end next to the canal.
  Vec3 tip = tc + dir * (0.5 * (dwell_count - 1) * dwell_step_mm);
  if (bilateral) {
    // Each side treats its half: stop 4 mm short of the sagittal plane through the target's
    // centroid.
    const double x_stop = tc.x + sign * 4.0;
    if (std::abs(dir.x) > 1e-6) tip = pedicle + dir * std::max(5.0, (x_stop - pedicle.x) / dir.x);
  }
  a.tip_lps = tip;
  a.entry_lps = pedicle - dir * 45.0;  // 45 mm behind the pedicle: through the back muscles
  a.dwell_count = dwell_count;
  a.dwell_step_mm = dwell_step_mm;
  return a;
}

Vec3 prescription_direction(const Vec3& axis) {
  Vec3 a{0, -1, 0};  // anterior in LPS: into the vertebral body, away from the canal
  Vec3 perp = a - axis * dot(a, axis);
  if (norm(perp) < 1e-6) perp = Vec3{1, 0, 0} - axis * axis.x;
  return normalized(perp);
}

Vec3 prescription_point(const Plan& plan, const PlanContext& ctx, const Vec3& dwell,
                        const Vec3& axis) {
  return dwell + prescription_direction(axis) * perpendicular_depth_from_centre(plan, *ctx.source);
}

void check_plan(const Plan& plan, const PlanContext& ctx, const std::string& file) {
  const PatientModel& p = *ctx.patient;
  need_structure(p, plan.target, file, "target");
  if (plan.prescription.kind == "coverage" && plan.prescription.oar_limit_gy > 0 &&
      !plan.prescription.oar.empty())
    need_structure(p, plan.prescription.oar, file, "prescription.oar");
  if (plan.prescription.kind == "point" && plan.dwell_count() != 1)
    throw Error::bad_input("a point prescription takes one dwell position")
        .file(file)
        .field("accesses")
        .seen(std::to_string(plan.dwell_count()) + " dwell positions")
        .expected("1, or a coverage prescription for several");
  const Structure* canal = find_canal(p);
  const Structure* cord = find_cord(p);
  const double radius = ctx.source->model.surface_radius_mm();
  for (std::size_t i = 0; i < plan.accesses.size(); ++i) {
    const Access& a = plan.accesses[i];
    const std::string f = "accesses[" + std::to_string(i) + "]";
    const Vec3 ax = a.axis();
    for (const Vec3& d : a.dwell_positions())
      if (!p.grid.contains(d))
        throw Error::bad_input("dwell position (tip) outside the CT")
            .file(file)
            .field(f + ".tip_mm")
            .seen(std::to_string(d.x) + "," + std::to_string(d.y) + "," + std::to_string(d.z))
            .expected("a point inside the CT's extent");
    // The applicator's whole surface plus a margin against the canal and cord (needle_check.h).
    const NeedleCheck needle =
        check_needle(p, a.entry_lps, a.tip_lps, radius, kNeedleMarginMm, {canal, cord});
    if (!needle.pass())
      throw Error::bad_input("the needle's path crosses the spinal canal")
          .file(file)
          .field(f)
          .seen(needle.describe())
          .expected("a transpedicular path lateral of the canal, the applicator's surface " +
                    std::to_string(kNeedleMarginMm).substr(0, 3) + " mm clear of it");
    if (plan.prescription.kind == "point") {
      const Vec3 q = prescription_point(plan, ctx, a.dwell_positions().front(), ax);
      if (!p.grid.contains(q))
        throw Error::bad_input("prescription point beyond the CT grid")
            .file(file)
            .field("prescription.depth_mm")
            .seen(std::to_string(plan.prescription.depth_mm))
            .expected("a depth whose point lies inside the CT");
    }
  }
  calibration_rate(plan, *ctx.source, file);
}

PlanComputation compute_plan(Plan& plan, const PlanContext& ctx, const std::string& file) {
  require_editable(plan, file);
  check_plan(plan, ctx, file);
  const auto t0 = std::chrono::steady_clock::now();
  const WaterEngine water = water_engine_for(ctx);
  const DoseBasis basis = compute_basis(plan, ctx, water);
  const DwellTimes times = optimise_dwell_times(plan, ctx, basis, file);
  const SecondCheck check = second_check(plan, ctx, water, times);
  PlanComputation c = evaluate_plan(plan, ctx, basis, water, times, check, file);
  // Calibration provenance, uncertainty budget, source-model assumptions, needle clearance.
  add_dosimetry_statement(c.summary, plan, ctx, water, basis.dwells, basis.axes, times.times_s);
  c.summary["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  plan.dwell_times_s = times.times_s;
  plan.evaluation_json = c.summary.dump();
  return c;
}

namespace {

constexpr const char* kManifest = "outputs.json";
constexpr const char* kOutputFiles[] = {"dose.nrrd",       "dose_sigma.nrrd",
                                        "dose_water.nrrd", "dose_water_in_medium.nrrd",
                                        "dvh.csv",         "summary.json"};

// Hidden temporaries write_file_atomic leaves when a process is killed mid-write
// (".<name>.tmp.XXXXXX"): no reader opens them, the next write to the folder removes them.
void remove_stale_temporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    for (const char* f : kOutputFiles)
      if (n.rfind(std::string(".") + f + ".tmp.", 0) == 0) std::filesystem::remove(e.path(), ec);
    if (n.rfind(std::string(".") + kManifest + ".tmp.", 0) == 0)
      std::filesystem::remove(e.path(), ec);
  }
}

}  // namespace

void verify_plan_outputs(const std::filesystem::path& dir) {
  const std::filesystem::path mf = dir / kManifest;
  const auto incomplete = [&](const std::string& why) {
    return Error::bad_input("plan outputs incomplete or changed: " + why)
        .file(mf.string())
        .expected("the complete set kiort plan compute wrote (run it again)");
  };
  if (!std::filesystem::exists(mf))
    throw incomplete("no manifest (the computation was interrupted, or made by an older kiort)");
  const ojson m = ojson::parse(read_file_bounded(mf, 1u << 20), nullptr, false);
  if (!m.is_object() || !m.contains("files") || !m["files"].is_object())
    throw incomplete("malformed manifest");
  for (const auto& [name, sum] : m["files"].items()) {
    if (!sum.is_string() || name.find('/') != std::string::npos)
      throw incomplete("malformed manifest entry " + name);
    const std::filesystem::path f = dir / name;
    if (!std::filesystem::exists(f) ||
        sha256_hex(read_file_bounded(f, 4ull << 30)) != sum.get<std::string>())
      throw Error::bad_input("plan output does not match its manifest (replaced or damaged)")
          .file(f.string())
          .field("outputs.json")
          .expected("the file kiort plan compute wrote (run it again)");
  }
}

void write_plan_outputs(const Plan& plan, const PlanComputation& c,
                        const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  // A recompute into a folder that holds older outputs must never leave a mixed set if killed:
  // the old manifest goes first, then each file is replaced atomically, and the new manifest
  // (every file's SHA-256) comes last. Readers trust the files only with a matching manifest.
  remove_stale_temporaries(dir);
  std::filesystem::remove(dir / kManifest);
  if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);  // the removal is on disk before any new file is
    ::close(fd);
  }
  const std::string state = plan.approval.approved
                                ? "APPROVED by " + plan.approval.by + " " + plan.approval.at
                                : "DRAFT (not approved)";
  // Every file of the set carries an illustrative calibration's banner (provenance.h).
  const ojson cal = c.summary.value("calibration", ojson::object());
  const bool illustrative = cal.is_object() && cal.value("illustrative", false);
  const std::string tag = "kiort plan " + plan.id + ", " + state +
                          (illustrative ? std::string(", ") + kIllustrativeBanner : "");
  // The patient model's warnings (the evaluation's "WARNING: " messages, e.g. --accept-other-frame)
  // travel in every dose file's header too, and in the DVH file's.
  std::vector<std::string> warnings;
  for (const auto& m : c.summary.value("messages", ojson::array()))
    if (m.is_string() && m.get<std::string>().rfind("WARNING: ", 0) == 0)
      warnings.push_back(m.get<std::string>().substr(9));
  write_nrrd(dir / "dose.nrrd", c.dose_grid, c.dose_gy,
             tag + ", dose (" + c.summary.value("engine", "") + ")", "Gy", warnings);
  write_nrrd(dir / "dose_sigma.nrrd", c.dose_grid, c.sigma_rel,
             tag + ", relative standard error of dose.nrrd", "1", warnings);
  write_nrrd(dir / "dose_water.nrrd", c.dose_grid, c.dose_water_gy,
             tag + ", fast water engine, dose to water", "Gy", warnings);
  if (!c.dose_water_medium_gy.empty())
    write_nrrd(dir / "dose_water_in_medium.nrrd", c.dose_grid, c.dose_water_medium_gy,
               tag + ", Monte Carlo dose to water in medium (TG-186 Dw,m)", "Gy", warnings);
  std::string csv = "# " + tag + "\n";
  for (const std::string& w : warnings) csv += "# WARNING: " + w + "\n";
  csv +=
      "# cumulative DVH: volume fraction receiving at least dose_gy; engine names the "
      "TG-186 quantity: mc = Dm,m (Monte Carlo dose to medium in medium), mc_dw_m = "
      "Dw,m (Monte Carlo dose to water in medium), water = Dw,w (water engine, dose "
      "to water in water); each curve runs to the structure's maximum\n"
      "engine,structure,volume_cc,dose_gy,volume_fraction\n";
  auto add = [&](const char* engine, const std::vector<DvhCurve>& curves) {
    char buf[160];
    for (const auto& d : curves)
      for (std::size_t i = 0; i < d.dose_gy.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%s,\"%s\",%.4f,%.4f,%.6f\n", engine, d.structure.c_str(),
                      d.volume_cc, d.dose_gy[i], d.volume_fraction[i]);
        csv += buf;
      }
  };
  add(plan.engine.engine == "mc" ? "mc" : "water", c.dvh_primary);
  if (plan.engine.engine == "mc") {
    add("mc_dw_m", c.dvh_water_medium);
    add("water", c.dvh_water);
  }
  write_file_atomic(dir / "dvh.csv", csv);
  ojson s = c.summary;
  s["approval"] = state;
  write_file_atomic(dir / "summary.json", s.dump(2) + "\n");
  ojson files = ojson::object();
  for (const char* f : kOutputFiles)
    if (std::filesystem::exists(dir / f)) {
      if (std::string(f) == "dose_water_in_medium.nrrd" && c.dose_water_medium_gy.empty()) {
        std::filesystem::remove(dir / f);  // an older run's, not this one's
        continue;
      }
      files[f] = sha256_hex(read_file_bounded(dir / f, 4ull << 30));
    }
  write_file_atomic(
      dir / kManifest,
      ojson{{"kiort_outputs", 1}, {"plan_id", plan.id}, {"files", files}}.dump(2) + "\n");
}

}  // namespace kiort
