#include "plan/plan.h"

#include <sodium.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/read_file.h"
#include "plan/json_field.h"

namespace kiort {
namespace {

using ojson = nlohmann::ordered_json;

// Throws Error(bad input) naming the file, field, value seen and the range expected unless
// in_range.
// A whole number within [lo, hi] where plan.json needs an integer: a float such as 1e30 or a
// negative number is bad input naming the field, never an out-of-range conversion (undefined
// behaviour, found by fuzz_plan_json).
std::uint64_t whole_number(const ojson& v, const std::string& file, const std::string& field,
                           std::uint64_t lo, std::uint64_t hi) {
  std::optional<std::uint64_t> x;
  if (v.is_number_unsigned()) {
    x = v.get<std::uint64_t>();
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d >= 0 && d < 18446744073709551616.0 && d == std::floor(d))
      x = static_cast<std::uint64_t>(d);
  }
  if (!x || *x < lo || *x > hi)
    throw Error::bad_input("not a whole number in range")
        .file(file)
        .field(field)
        .seen(v.dump())
        .expected(std::to_string(lo) + " to " + std::to_string(hi));
  return *x;
}

void require_range(bool in_range, const char* what, const std::string& file,
                   const std::string& field, const std::string& seen, const char* expected) {
  if (!in_range) throw Error::bad_input(what).file(file).field(field).seen(seen).expected(expected);
}

ojson vec(const Vec3& v) {
  return ojson::array({v.x, v.y, v.z});
}

Vec3 to_vec(const ojson& j, const std::string& file, const std::string& field) {
  if (!j.is_array() || j.size() != 3 || !j[0].is_number() || !j[1].is_number() || !j[2].is_number())
    throw Error::bad_input("not a point")
        .file(file)
        .field(field)
        .seen(j.dump())
        .expected("[x, y, z] in mm (LPS)");
  return {j[0].get<double>(), j[1].get<double>(), j[2].get<double>()};
}

const char* conv(DepthConvention c) {
  return c == DepthConvention::kSourceCentre ? "centre" : "surface";
}

ojson content_json(const Plan& p) {
  ojson j;
  j["kiort_plan"] = kPlanSchemaVersion;
  j["id"] = p.id;
  j["created"] = p.created;
  j["parent_id"] = p.parent_id;
  j["patient"] = {{"kind", p.patient.kind},     {"level", p.patient.level},
                  {"lesion", p.patient.lesion}, {"voxel_mm", p.patient.voxel_mm},
                  {"path", p.patient.path},     {"labels", p.patient.labels}};
  // Written only when given, so plans made before these fields keep their checksums.
  for (const auto& [key, value] : {std::pair{"patient_name", &p.patient.patient_name},
                                   {"patient_id", &p.patient.patient_id},
                                   {"patient_sex", &p.patient.patient_sex},
                                   {"patient_birth_date", &p.patient.patient_birth_date}})
    if (!value->empty()) j["patient"][key] = *value;
  if (p.patient.accept_other_frame) j["patient"]["accept_other_frame"] = true;
  j["level"] = p.level;
  j["target"] = p.target;
  ojson acc = ojson::array();
  for (const auto& a : p.accesses) {
    ojson d = ojson::array();
    for (const auto& v : a.dwell_lps) d.push_back(vec(v));
    acc.push_back({{"name", a.name},
                   {"entry_mm", vec(a.entry_lps)},
                   {"tip_mm", vec(a.tip_lps)},
                   {"automatic", a.automatic},
                   {"dwell_step_mm", a.dwell_step_mm},
                   {"dwell_count", a.dwell_count},
                   {"dwell_positions_mm", d}});
  }
  j["accesses"] = acc;
  j["kv"] = p.kv;
  j["source"] = p.source;
  j["source_checksum"] = p.source_checksum;
  const Prescription& r = p.prescription;
  ojson rx = {{"kind", r.kind}, {"dose_gy", r.dose_gy}, {"depth_mm", r.depth_mm}};
  if (r.from) rx["from"] = conv(*r.from);  // stated, or absent: there is no default
  rx["coverage_pct"] = r.coverage_pct;
  rx["oar"] = r.oar;
  rx["oar_metric"] = r.oar_metric;
  rx["oar_limit_gy"] = r.oar_limit_gy;
  rx["citation"] = r.citation;
  j["prescription"] = rx;
  // Only when linked, so plans (and approval checksums) without a rationale stay as they were.
  if (!p.rationale.empty()) j["rationale"] = rationale_json(p.rationale);
  const EngineSettings& e = p.engine;
  j["engine"] = {{"engine", e.engine},
                 {"target_sigma_rel", e.target_sigma_rel},
                 {"max_histories", e.max_histories},
                 {"seed", e.seed},
                 {"margin_mm", e.margin_mm},
                 {"second_check_tolerance", e.second_check_tolerance}};
  j["dwell_times_s"] = p.dwell_times_s;
  j["evaluation"] = p.evaluation_json.empty() ? ojson(nullptr) : ojson::parse(p.evaluation_json);
  return j;
}

}  // namespace

std::string sha256_hex(const std::string& text) {
  if (sodium_init() < 0) throw Error::internal("libsodium failed to initialise");
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

std::vector<Vec3> Access::dwell_positions() const {
  if (!dwell_lps.empty()) return dwell_lps;
  std::vector<Vec3> out;
  const Vec3 back = axis() * -1.0;
  for (int i = 0; i < dwell_count; ++i) out.push_back(tip_lps + back * (dwell_step_mm * i));
  return out;
}

std::size_t Plan::dwell_count() const {
  std::size_t n = 0;
  for (const auto& a : accesses) n += a.dwell_positions().size();
  return n;
}

std::string plan_checksum(const Plan& plan) {
  return sha256_hex(content_json(plan).dump());
}

std::string plan_to_json(const Plan& p) {
  ojson j = content_json(p);
  j["approval"] = {{"state", p.approval.approved ? "approved" : "draft"},
                   {"by", p.approval.by},
                   {"at", p.approval.at},
                   {"checksum", p.approval.checksum}};
  if (!p.approval.comment.empty()) j["approval"]["comment"] = p.approval.comment;
  return j.dump(2) + "\n";
}

Plan plan_from_json(const std::string& text, const std::string& file) {
  ojson j;
  try {
    j = ojson::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("plan is not valid JSON").file(file).seen(e.what());
  }
  Plan p;
  std::string field;
  try {
    field = "kiort_plan";
    if (!j.contains("kiort_plan") ||
        whole_number(j.at("kiort_plan"), file, "kiort_plan", 0, 1000000) != kPlanSchemaVersion)
      throw Error::bad_input("not a kiort plan of a known schema version")
          .file(file)
          .field("kiort_plan")
          .seen(j.contains("kiort_plan") ? j.at("kiort_plan").dump() : "missing")
          .expected(std::to_string(kPlanSchemaVersion));
    field = "id";
    p.id = j.at("id").get<std::string>();
    p.created = j.value("created", "");
    p.parent_id = j.value("parent_id", "");
    field = "patient";
    const auto& pt = j.at("patient");
    p.patient.kind = pt.at("kind").get<std::string>();
    p.patient.level = pt.value("level", "L1");
    p.patient.lesion = pt.value("lesion", "lytic");
    p.patient.voxel_mm = pt.value("voxel_mm", 1.0);
    p.patient.path = pt.value("path", "");
    p.patient.labels = pt.value("labels", std::vector<std::string>{});
    p.patient.patient_name = pt.value("patient_name", "");
    p.patient.patient_id = pt.value("patient_id", "");
    p.patient.patient_sex = pt.value("patient_sex", "");
    p.patient.patient_birth_date = pt.value("patient_birth_date", "");
    p.patient.accept_other_frame = pt.value("accept_other_frame", false);
    if (p.patient.kind != "phantom" && p.patient.kind != "volume" && p.patient.kind != "dicom")
      throw Error::bad_input("unknown patient kind")
          .file(file)
          .field("patient.kind")
          .seen(p.patient.kind)
          .expected("phantom, volume or dicom");
    field = "level";
    p.level = j.at("level").get<std::string>();
    field = "target";
    p.target = j.at("target").get<std::string>();
    field = "accesses";
    for (std::size_t i = 0; i < j.at("accesses").size(); ++i) {
      const auto& a = j.at("accesses")[i];
      const std::string f = "accesses[" + std::to_string(i) + "]";
      Access x;
      x.name = a.value("name", "access " + std::to_string(i + 1));
      x.entry_lps = to_vec(a.at("entry_mm"), file, f + ".entry_mm");
      x.tip_lps = to_vec(a.at("tip_mm"), file, f + ".tip_mm");
      x.automatic = a.value("automatic", false);
      x.dwell_step_mm = a.value("dwell_step_mm", 5.0);
      x.dwell_count =
          a.contains("dwell_count")
              ? static_cast<int>(whole_number(a.at("dwell_count"), file, f + ".dwell_count", 1, 20))
              : 1;
      for (std::size_t k = 0; k < a.value("dwell_positions_mm", ojson::array()).size(); ++k)
        x.dwell_lps.push_back(to_vec(a.at("dwell_positions_mm").at(k), file,
                                     f + ".dwell_positions_mm[" + std::to_string(k) + "]"));
      if (x.dwell_count < 1 || x.dwell_count > 20)
        throw Error::bad_input("dwell count out of range")
            .file(file)
            .field(f + ".dwell_count")
            .seen(std::to_string(x.dwell_count))
            .expected("1 to 20");
      require_range(x.dwell_step_mm > 0 && x.dwell_step_mm <= 20, "dwell step out of range", file,
                    f + ".dwell_step_mm", std::to_string(x.dwell_step_mm), "0 < step <= 20 mm");
      if (norm(x.tip_lps - x.entry_lps) < 1.0)
        throw Error::bad_input("entry and tip coincide: no direction").file(file).field(f);
      p.accesses.push_back(x);
    }
    if (p.accesses.empty() || p.accesses.size() > 4)
      throw Error::bad_input("a plan needs 1 to 4 accesses")
          .file(file)
          .field("accesses")
          .seen(std::to_string(p.accesses.size()));
    field = "kv";
    p.kv = j.at("kv").get<double>();
    p.source = j.at("source").get<std::string>();
    p.source_checksum = j.value("source_checksum", "");
    field = "prescription";
    const auto& r = j.at("prescription");
    p.prescription.kind = r.at("kind").get<std::string>();
    p.prescription.dose_gy = r.at("dose_gy").get<double>();
    p.prescription.depth_mm = r.value("depth_mm", 13.0);
    if (r.contains("from") && !r.at("from").is_null()) {
      const std::string from = r.at("from").get<std::string>();
      if (from != "surface" && from != "centre")
        throw Error::bad_input("unknown depth reference")
            .file(file)
            .field("prescription.from")
            .seen(from)
            .expected("surface or centre");
      p.prescription.from =
          from == "centre" ? DepthConvention::kSourceCentre : DepthConvention::kApplicatorSurface;
    } else if (r.value("kind", "") == "point") {
      throw Error::bad_input("a point prescription must name its depth reference")
          .file(file)
          .field("prescription.from")
          .seen("(missing)")
          .expected(
              "\"surface\" (from the applicator surface) or \"centre\" (from the source "
              "centre); kiort assumes neither");
    }
    p.prescription.coverage_pct = r.value("coverage_pct", 90.0);
    p.prescription.oar = r.value("oar", "");
    p.prescription.oar_metric = r.value("oar_metric", "Dmax");
    p.prescription.oar_limit_gy = r.value("oar_limit_gy", 0.0);
    p.prescription.citation = r.value("citation", "");
    if (p.prescription.kind != "point" && p.prescription.kind != "coverage")
      throw Error::bad_input("unknown prescription kind")
          .file(file)
          .field("prescription.kind")
          .seen(p.prescription.kind)
          .expected("point or coverage");
    require_range(p.prescription.dose_gy > 0 && p.prescription.dose_gy <= 50,
                  "prescribed dose out of range", file, "prescription.dose_gy",
                  std::to_string(p.prescription.dose_gy), "0 < D <= 50 Gy");
    require_range(p.prescription.depth_mm >= 0 && p.prescription.depth_mm <= 40,
                  "prescription depth out of range", file, "prescription.depth_mm",
                  std::to_string(p.prescription.depth_mm), "0 to 40 mm");
    require_range(p.prescription.coverage_pct > 0 && p.prescription.coverage_pct <= 100,
                  "coverage out of range", file, "prescription.coverage_pct",
                  std::to_string(p.prescription.coverage_pct), "0 < pct <= 100");
    if (p.prescription.oar_metric != "Dmax" && p.prescription.oar_metric != "D0.03cc" &&
        p.prescription.oar_metric != "D0.1cc")
      throw Error::bad_input("unknown OAR metric")
          .file(file)
          .field("prescription.oar_metric")
          .seen(p.prescription.oar_metric)
          .expected("Dmax, D0.03cc or D0.1cc");
    field = "rationale";
    if (j.contains("rationale") && !j.at("rationale").is_null()) {
      const OrderedJsonField ra(j.at("rationale"), file, "rationale");
      if (!ra.is_object()) throw ra.wrong("{\"evidence_base\", \"references\", \"findings\"}");
      p.rationale.evidence_base = ra["evidence_base"].string();
      for (const auto& x : ra["references"].elements())
        p.rationale.references.push_back(x.string());
      for (const auto& x : ra["findings"].elements()) p.rationale.findings.push_back(x.string());
      if (p.rationale.empty())
        throw ra.wrong("at least one id in references or findings (or no rationale at all)");
    }
    field = "engine";
    const auto& e = j.at("engine");
    p.engine.engine = e.value("engine", "mc");
    p.engine.target_sigma_rel = e.value("target_sigma_rel", 0.02);
    const std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    p.engine.max_histories =
        e.contains("max_histories")
            ? whole_number(e.at("max_histories"), file, "engine.max_histories", 0, kMax)
            : 20000000;
    p.engine.seed =
        e.contains("seed") ? whole_number(e.at("seed"), file, "engine.seed", 0, kMax) : 1;
    p.engine.margin_mm = e.value("margin_mm", 35.0);
    p.engine.second_check_tolerance = e.value("second_check_tolerance", 0.05);
    if (p.engine.engine != "mc" && p.engine.engine != "water")
      throw Error::bad_input("unknown engine")
          .file(file)
          .field("engine.engine")
          .seen(p.engine.engine)
          .expected("mc or water");
    field = "dwell_times_s";
    p.dwell_times_s = j.value("dwell_times_s", std::vector<double>{});
    for (std::size_t i = 0; i < p.dwell_times_s.size(); ++i)
      require_range(p.dwell_times_s[i] >= 0 && std::isfinite(p.dwell_times_s[i]),
                    "negative or invalid dwell time", file,
                    "dwell_times_s[" + std::to_string(i) + "]", std::to_string(p.dwell_times_s[i]),
                    "a time >= 0 s");
    if (!p.dwell_times_s.empty() && p.dwell_times_s.size() != p.dwell_count())
      throw Error::bad_input("one dwell time per dwell position")
          .file(file)
          .field("dwell_times_s")
          .seen(std::to_string(p.dwell_times_s.size()))
          .expected(std::to_string(p.dwell_count()));
    if (j.contains("evaluation") && !j.at("evaluation").is_null())
      p.evaluation_json = j.at("evaluation").dump();
    field = "approval";
    if (j.contains("approval")) {
      const auto& a = j.at("approval");
      p.approval.approved = a.value("state", "draft") == "approved";
      p.approval.by = a.value("by", "");
      p.approval.at = a.value("at", "");
      p.approval.checksum = a.value("checksum", "");
      p.approval.comment = a.value("comment", "");
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("plan field missing or of the wrong type")
        .file(file)
        .field(field)
        .seen(e.what());
  }
  if (p.approval.approved && plan_checksum(p) != p.approval.checksum)
    throw Error::bad_input("approved plan was changed after approval: checksum mismatch")
        .file(file)
        .field("approval.checksum")
        .seen(p.approval.checksum)
        .expected(plan_checksum(p) + " (copy the plan into a new draft to change it)");
  return p;
}

Plan load_plan(const std::filesystem::path& path) {
  return plan_from_json(read_file_bounded(path, 64u << 20, "plan"), path.string());
}

void save_plan(const std::filesystem::path& path, const Plan& plan) {
  if (std::filesystem::exists(path)) {
    try {
      const Plan old = load_plan(path);
      if (old.approval.approved && old.id == plan.id && plan_to_json(old) != plan_to_json(plan))
        throw Error::bad_input("refusing to overwrite an approved plan")
            .file(path.string())
            .expected("kiort plan copy into a new draft");
    } catch (const Error& e) {
      if (std::string(e.what()).find("refusing") != std::string::npos) throw;
      // an unreadable old file is simply replaced
    }
  }
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  write_file_atomic(path, plan_to_json(plan));
}

void approve(Plan& plan, const std::string& by, const std::string& comment) {
  if (plan.approval.approved)
    throw Error::bad_input("plan is already approved")
        .field("approval")
        .seen(plan.approval.by + " " + plan.approval.at);
  if (by.empty()) throw Error::bad_input("approval needs a name").field("--by");
  if (plan.dwell_times_s.empty() || plan.evaluation_json.empty())
    throw Error::bad_input("plan has no computed dwell times and evaluation")
        .field("dwell_times_s")
        .expected("kiort plan compute first");
  plan.approval.approved = true;
  plan.approval.by = by;
  plan.approval.at = utc_now_iso();
  plan.approval.comment = comment;
  plan.approval.checksum = plan_checksum(plan);
}

void require_editable(const Plan& plan, const std::string& file) {
  if (plan.approval.approved)
    throw Error::bad_input("plan is approved and cannot be edited")
        .file(file)
        .field("approval")
        .seen("approved by " + plan.approval.by + " at " + plan.approval.at)
        .expected("kiort plan copy PLAN --out NEW to start a new draft");
}

Plan copy_as_draft(const Plan& plan) {
  Plan p = plan;
  p.parent_id = plan.id;
  p.id = new_plan_id();
  p.created = utc_now_iso();
  p.approval = {};
  return p;
}

std::string utc_now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string new_plan_id() {
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof buf, "KIORT-%s-%04x", utc_now_iso().substr(0, 10).c_str(),
                rd() & 0xffffu);
  return buf;
}

ojson rationale_json(const Rationale& r) {
  return {
      {"evidence_base", r.evidence_base}, {"references", r.references}, {"findings", r.findings}};
}

}  // namespace kiort
