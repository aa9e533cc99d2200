// The planning tests' common fixture: the vertebra phantom in 2 mm voxels, the shipped sample
// source (its water table ships too, so plans on the water engine take about a second) and a
// point plan on the left transpedicular access.
#pragma once

#include <filesystem>

#include "patient/phantom.h"
#include "plan/compute.h"
#include "plan/plan.h"

namespace kiort::test {

struct PlanFixture {
  PatientModel patient;
  CommissionedSource source;
  MaterialLibrary lib =
      MaterialLibrary::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "materials");
  PlanContext ctx;
  PlanFixture() {
    PhantomOptions o;
    o.voxel_mm = 2.0;
    patient = make_vertebra_phantom(o);
    source = load_commissioned_source(std::filesystem::path(KIORT_TEST_DATA_DIR) / "sources" /
                                      "intrabeam-needle-50kv-sample.commissioned.json");
    ctx.patient = &patient;
    ctx.source = &source;
    ctx.lib = &lib;
    ctx.cache_dir = std::filesystem::temp_directory_path() / "kiort-plan-test-cache";
  }
  Plan point_plan() const {
    Plan p;
    p.id = "TEST-1";
    p.created = "2026-11-30T00:00:00Z";
    p.patient.voxel_mm = 2.0;
    p.source = "intrabeam-needle-50kv-sample.commissioned.json";
    p.source_checksum = source.checksum;
    p.engine.engine = "water";
    p.prescription.from = DepthConvention::kApplicatorSurface;
    p.accesses.push_back(propose_access(patient, "CTV", "left", false, 1, 5.0));
    return p;
  }
  // The point plan's access with dwell_count positions step_mm apart and a coverage prescription
  // of 8 Gy to D90 of the CTV.
  Plan coverage_plan(int dwell_count, double step_mm) const {
    Plan p = point_plan();
    p.accesses[0].dwell_count = dwell_count;
    p.accesses[0].dwell_step_mm = step_mm;
    p.prescription.kind = "coverage";
    p.prescription.dose_gy = 8.0;
    p.prescription.coverage_pct = 90;
    return p;
  }
};

}  // namespace kiort::test
