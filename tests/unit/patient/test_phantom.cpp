// The vertebra phantom: exact structure names and origins, geometry conventions (LPS, body
// centroid at 0, posterior = +y), volumes against the analytic shapes, media consistent with the
// default CT calibration, and reproducible UIDs.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "patient/phantom.h"
#include "physics/ct_calibration.h"

namespace kiort {
namespace {

Vec3 centroid(const PatientModel& p, const Structure& s) {
  Vec3 sum;
  double count = 0;
  for (std::size_t v = 0; v < s.mask.size(); ++v)
    if (s.mask[v]) {
      sum += p.grid.position(p.grid.index3(v));
      count += 1;
    }
  return sum / count;
}

TEST(Phantom, RejectsBadOptions) {
  EXPECT_THROW(make_vertebra_phantom({"L6", "lytic", 1.0}), Error);
  EXPECT_THROW(make_vertebra_phantom({"C5", "lytic", 1.0}), Error);
  EXPECT_THROW(make_vertebra_phantom({"L1", "sclerotic", 1.0}), Error);
  EXPECT_THROW(make_vertebra_phantom({"L1", "lytic", 0.0}), Error);
  EXPECT_THROW(make_vertebra_phantom({"L1", "lytic", 10.0}), Error);
  try {
    make_vertebra_phantom({"L6", "lytic", 1.0});
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_EQ(e.value_seen(), "L6");
  }
}

TEST(Phantom, L1StructuresGeometryAndVolumes) {
  const PhantomOptions o{"L1", "lytic", 1.0};
  const PatientModel p = make_vertebra_phantom(o);
  EXPECT_LT(p.grid.voxel_count(), 3'000'000u);
  EXPECT_TRUE(p.grid.axis_aligned());
  EXPECT_EQ(p.patient_id, "KIORT-PHANTOM");
  EXPECT_EQ(p.source, "phantom");
  const std::vector<std::string> names = {"BODY",       "VB_L1",     "CTV",
                                          "Pedicle_L",  "Pedicle_R", "SpinalCanal",
                                          "SpinalCord", "VB_T12",    "VB_L2"};
  ASSERT_EQ(p.structures.size(), names.size());
  for (std::size_t s = 0; s < names.size(); ++s) {
    EXPECT_EQ(p.structures[s].name, names[s]);
    EXPECT_EQ(p.structures[s].origin, StructureOrigin::kPhantom);
    EXPECT_GT(p.structures[s].voxel_count(), 0u) << names[s];
  }
  EXPECT_EQ(p.find("BODY")->type, "EXTERNAL");
  EXPECT_EQ(p.find("CTV")->type, "CTV");

  // The treated body's centroid is the origin; the canal is posterior (+y); the body above is
  // superior (+z); the left pedicle is on the patient's left (+x in LPS).
  const Vec3 c = centroid(p, *p.find("VB_L1"));
  EXPECT_NEAR(c.x, 0, 1e-9);
  EXPECT_NEAR(c.y, 0, 1e-9);
  EXPECT_NEAR(c.z, 0, 1e-9);
  EXPECT_GT(centroid(p, *p.find("SpinalCanal")).y, 15.0);
  EXPECT_GT(centroid(p, *p.find("VB_T12")).z, 20.0);
  EXPECT_LT(centroid(p, *p.find("VB_L2")).z, -20.0);
  EXPECT_GT(centroid(p, *p.find("Pedicle_L")).x, 5.0);
  EXPECT_LT(centroid(p, *p.find("Pedicle_R")).x, -5.0);

  // Voxelised volumes against the analytic shapes (the 2 % criterion).
  for (const AnalyticVolume& a : phantom_analytic_volumes(o)) {
    const Structure* s = p.find(a.name);
    ASSERT_NE(s, nullptr) << a.name;
    EXPECT_NEAR(p.volume_cc(*s), a.volume_cc, 0.02 * a.volume_cc) << a.name;
  }
}

TEST(Phantom, MediaAgreeWithDefaultCalibration) {
  const PatientModel p = make_vertebra_phantom({"T8", "mixed", 2.0});
  const CtCalibration cal = CtCalibration::load_default();
  // The calibration knows tissue classes, not every material: these media read back as the
  // class they belong to.
  const std::map<std::string, std::string> cls = {{"air", "air"},
                                                  {"adipose", "adipose"},
                                                  {"soft-tissue", "soft-tissue"},
                                                  {"muscle", "soft-tissue"},
                                                  {"water", "soft-tissue"},
                                                  {"spinal-cord", "soft-tissue"},
                                                  {"spongiosa", "spongiosa"},
                                                  {"cortical-bone", "cortical-bone"}};
  std::set<std::string> seen;
  for (std::size_t v = 0; v < p.hu.size(); ++v) {
    const std::string& medium = p.media_names.at(static_cast<std::size_t>(p.medium[v]));
    seen.insert(medium);
    const CtSample s = cal(p.hu[v]);
    ASSERT_EQ(cal.bins()[s.bin].material, cls.at(medium)) << "voxel " << v << " HU " << p.hu[v];
    ASSERT_FLOAT_EQ(p.density[v], static_cast<float>(s.density_g_cm3));
  }
  EXPECT_EQ(seen.size(), 8u);  // every medium occurs, cord and CSF included
  // Mixed lesion: both a lytic (soft tissue) and a blastic (dense bone) part inside the CTV.
  const Structure& ctv = *p.find("CTV");
  std::set<std::string> in_ctv;
  for (std::size_t v = 0; v < ctv.mask.size(); ++v)
    if (ctv.mask[v]) in_ctv.insert(p.media_names[static_cast<std::size_t>(p.medium[v])]);
  EXPECT_TRUE(in_ctv.count("soft-tissue"));
  EXPECT_TRUE(in_ctv.count("cortical-bone"));
}

TEST(Phantom, LowerLumbarHasCaudaEquinaAndNoneLesionIsBodyInterior) {
  const PatientModel p = make_vertebra_phantom({"L5", "none", 2.0});
  EXPECT_NE(p.find("CaudaEquina"), nullptr);
  EXPECT_EQ(p.find("SpinalCord"), nullptr);
  EXPECT_NE(p.find("VB_S1"), nullptr);
  EXPECT_NE(p.find("VB_L4"), nullptr);
  const Structure& ctv = *p.find("CTV");
  const Structure& vb = *p.find("VB_L5");
  for (std::size_t v = 0; v < ctv.mask.size(); ++v) {
    if (ctv.mask[v]) {
      ASSERT_TRUE(vb.mask[v]);
      ASSERT_EQ(p.media_names[static_cast<std::size_t>(p.medium[v])], "spongiosa");
    }
  }
  EXPECT_LT(ctv.voxel_count(), vb.voxel_count());
  const PatientModel t1 = make_vertebra_phantom({"T1", "blastic", 2.0});
  EXPECT_NE(t1.find("VB_C7"), nullptr);
  EXPECT_NE(t1.find("SpinalCord"), nullptr);
}

// Every level builds (2 mm): all structures present, the lesion inside the body, the body centred
// at the origin, the voxel budget kept, and the bodies' analytic volumes within 5 %. At 2 mm a
// thoracic body is 14 x 11 voxels across, and sampling voxel centres alone is off by up to 4.4 %
// (VB_T5); the canal (7 voxels across at T4) by up to 9 %. The 2 % check is the 1 mm L1 test
// above; docs/phantom.md lists what 1 mm gives at the other levels.
TEST(Phantom, EveryLevelBuilds) {
  for (const char* level : {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11",
                            "T12", "L1", "L2", "L3", "L4", "L5"}) {
    const PhantomOptions o{level, "lytic", 2.0};
    const PatientModel p = make_vertebra_phantom(o);
    EXPECT_EQ(p.structures.size(), 9u) << level;
    for (const Structure& s : p.structures)
      EXPECT_GT(s.voxel_count(), 0u) << level << " " << s.name;
    const Structure& vb = *p.find(std::string("VB_") + level);
    const Structure& ctv = *p.find("CTV");
    for (std::size_t v = 0; v < ctv.mask.size(); ++v)
      if (ctv.mask[v]) {
        ASSERT_TRUE(vb.mask[v]) << level;
      }
    const Vec3 c = centroid(p, vb);
    EXPECT_NEAR(norm(c), 0, 1e-9) << level;
    EXPECT_LT(p.grid.voxel_count() * 8, 3'000'000u) << level;  // 1 mm would be 8x as many
    for (const AnalyticVolume& a : phantom_analytic_volumes(o)) {
      if (a.name.rfind("VB_", 0) == 0) {
        EXPECT_NEAR(p.volume_cc(*p.find(a.name)), a.volume_cc, 0.05 * a.volume_cc)
            << level << " " << a.name;
      }
    }
  }
}

TEST(Phantom, DeterministicUids) {
  const PatientModel a = make_vertebra_phantom({"L2", "lytic", 2.0});
  const PatientModel b = make_vertebra_phantom({"L2", "lytic", 2.0});
  const PatientModel c = make_vertebra_phantom({"L3", "lytic", 2.0});
  EXPECT_EQ(a.study_uid, b.study_uid);
  EXPECT_EQ(a.series_uid, b.series_uid);
  EXPECT_EQ(a.frame_of_reference_uid, b.frame_of_reference_uid);
  EXPECT_EQ(a.slice_sop_instance_uids, b.slice_sop_instance_uids);
  EXPECT_EQ(a.hu, b.hu);
  EXPECT_NE(a.series_uid, c.series_uid);
  ASSERT_EQ(a.slice_sop_instance_uids.size(), static_cast<std::size_t>(a.grid.dims()[2]));
  std::set<std::string> uids(a.slice_sop_instance_uids.begin(), a.slice_sop_instance_uids.end());
  EXPECT_EQ(uids.size(), a.slice_sop_instance_uids.size());
  for (const std::string& u : {a.study_uid, a.series_uid, a.frame_of_reference_uid}) {
    EXPECT_LE(u.size(), 64u);
    EXPECT_EQ(u.rfind("2.25.", 0), 0u);
    EXPECT_EQ(u.find_first_not_of("0123456789."), std::string::npos);
  }
}

}  // namespace
}  // namespace kiort
