#!/usr/bin/env bash
# kiort plan and kiort demo as a physicist runs them: create, compute, approve, show, copy; the
# plan on real anatomy (tests/data/spine-ct, derived canal); bad plans exit 2; the demo's
# summary and outputs. Plans use the fast water engine except the demo (Monte Carlo).
set -u
kiort=$1
data=$2
. "$(dirname "$0")/lib.sh"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export KIORT_CACHE_DIR="$t/cache"

# The workflow on the phantom (2 mm voxels, water engine).
check create 0 'proposed, transpedicular' -- "$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --out "$t/p/plan.json"
check compute 0 'second check' -- "$kiort" -q plan compute "$t/p/plan.json" --out "$t/p"
for f in dose.nrrd dose_sigma.nrrd dose_water.nrrd dvh.csv summary.json; do
  [[ -s $t/p/$f ]] && ok || fail "compute did not write $f"
done
grep -q 'DRAFT' "$t/p/dvh.csv" && ok || fail "dvh.csv does not carry the approval state"
check show-json 0 '"state": "draft"' -- "$kiort" -q plan show "$t/p/plan.json" --json
check approve 0 'approved by Dr Test' -- "$kiort" -q plan approve "$t/p/plan.json" --by "Dr Test" --comment "cord dose reviewed"
grep -q '"comment": "cord dose reviewed"' "$t/p/plan.json" && ok || fail "the approval comment is not in plan.json"
check show-approved 0 'APPROVED by Dr Test' -- "$kiort" -q plan show "$t/p/plan.json"
check recompute-approved 2 'approved and cannot be edited' -- "$kiort" -q plan compute "$t/p/plan.json" --out "$t/p2"
check approve-twice 2 'already approved' -- "$kiort" -q plan approve "$t/p/plan.json" --by "Someone"
sed 's/"kv": 50/"kv": 40/' "$t/p/plan.json" > "$t/edited.json"
check edited-approved 2 'checksum mismatch' -- "$kiort" -q plan show "$t/edited.json"
check copy 0 'draft' -- "$kiort" -q plan copy "$t/p/plan.json" --out "$t/q/plan.json"
check copy-computes 0 '' -- "$kiort" -q plan compute "$t/q/plan.json" --out "$t/q"
check copy-parent 0 '"parent_id": "KIORT-' -- "$kiort" -q plan show "$t/q/plan.json" --json
# Coverage over three dwell positions, bilateral.
check coverage 0 'proposed' -- "$kiort" -q plan create --phantom L1 --voxel-mm 2 --engine water --access bilateral --dwell-count 2 --dwell-step 4 --rx coverage --dose 8 --oar-limit 40 --out "$t/c/plan.json"
check coverage-compute 0 'D90 >= 8' -- "$kiort" -q plan compute "$t/c/plan.json" --out "$t/c"
check infeasible-create 0 '' -- "$kiort" -q plan create --phantom L1 --voxel-mm 2 --engine water --dwell-count 3 --dwell-step 4 --rx coverage --dose 8 --oar-limit 0.05 --out "$t/i/plan.json"
check infeasible 3 'goal not met' -- "$kiort" -q plan compute "$t/i/plan.json" --out "$t/i"

# Real anatomy: the TotalSegmentator spine CT, L1 body as the target, canal derived from the L1 label.
s="$data/spine-ct"
printf 'label,name\n19,VB_T12\n20,VB_L1\n21,VB_L2\n22,VB_L3\n23,VB_L4\n24,VB_L5\n' > "$t/names.csv"
# The proposed left (and right) access enters the derived canal (real-left-needle below): this
# path runs 4 mm lateral of the proposed one, clear of it by the 1 mm margin (from there D50 >= 8 Gy
# takes 12.9 Gy at the canal: the limit is 15 Gy).
check real-create 0 'access left' -- "$kiort" -q plan create --entry 43.8,-53.0,379.9 --tip 9.8,-121.9,386.2 --volume "$s/example_ct.nii.gz" --labels "$s/totalseg.nii.gz" --labels "$s/totalseg_vertebrae_pp_refined.nii.gz=$t/names.csv" --level L1 --target VB_L1 --engine water --rx coverage --dose 8 --coverage-pct 50 --dwell-count 3 --dwell-step 5 --oar-limit 15 --out "$t/r/plan.json"
check real-compute 0 'SpinalCanal \(derived\)' -- "$kiort" -q plan compute "$t/r/plan.json" --out "$t/r" --json
grep -q '"origin": "derived"' "$t/r/summary.json" && ok || fail "real anatomy: canal not marked derived"

# Bad plans exit 2 with the field named.
check tip-outside 2 'outside the CT' -- "$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --entry 30,40,0 --tip 0,0,500 --out "$t/b1.json"
check through-canal 2 'crosses the spinal canal' -- "$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --entry 0,45,0 --tip 0,-5,0 --out "$t/b2.json"
check unknown-probe 2 'no-such-probe' -- "$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --source no-such-probe.json --out "$t/b3.json"
check depth-beyond-grid 2 'depth' -- "$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --entry 30,0,0 --tip 0,-45,0 --depth 40 --out "$t/b4.json"
python3 - "$t/q/plan.json" "$t/neg.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p["dwell_times_s"] = [-5.0]; p["approval"]["state"] = "draft"
json.dump(p, open(sys.argv[2], "w"))
PY
check negative-time 2 'dwell_times_s\[0\]' -- "$kiort" -q plan show "$t/neg.json"
check missing-plan 2 'cannot read plan' -- "$kiort" -q plan compute "$t/nothing.json" --out "$t/x"
[[ ! -e $t/b1.json && ! -e $t/b2.json && ! -e $t/x ]] && ok || fail "a refused plan left files behind"

# The demo (Monte Carlo, the main job): summary keys and outputs.
out=$("$kiort" -q demo --out "$t/demo" --json 2>&1); rc=$?
[[ $rc -eq 0 ]] && ok || fail "demo exit $rc: $out"
if python3 - "$out" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
assert len(s["dwell_times_s"]) == 1 and s["dwell_times_s"][0] > 0
assert s["prescription"]["dose_gy"] == 8.0 and s["prescription"]["depth_mm"] == 13.0
assert s["target"]["D90_gy"] > 0 and s["cord"]["Dmax_gy"] >= 0
# TG-186 side by side, evaluated at the point (issue 16). Hand calculation: the point
# prescription's time is 8 Gy over the calibration's rate, so the water engine's band mean about
# 90 degrees (the calibration geometry) gives 8 / (1 + second-check deviation) Gy at the point;
# exactly at 90 degrees it gives more, by the shaft shadow's share of the band (2.0 % on the
# sample source; the unit test PlanPointDose.WaterEngineAtTheExactPointNotTheVoxel checks the
# identity exactly), so here: between 1 and 1.05 times that.
rx = s["prescription"]; at = rx["dose_at_point"]
assert rx["quantity"] == "dw_w", rx
assert all(isinstance(at[k], float) for k in ("dm_m_gy", "dw_m_gy", "dw_w_gy", "sigma_rel")), at
dev = s["second_check"]["deviation"]
assert 1.0 <= at["dw_w_gy"] / (8.0 / (1 + dev)) <= 1.05, (at, dev)
# Spongiosa at the point: bone's mu_en/rho raises Dm,m above Dw,w; Dw,m (water's mu_en/rho in
# the bone's fluence) lies below it (Dw,m/Dw,w 0.72 in the issue's measurement).
assert at["dm_m_gy"] > at["dw_w_gy"] > at["dw_m_gy"] > 0, at
for k in ("target", "cord", "canal"):
    for q in ("dm_m", "dw_m", "dw_w"):
        assert isinstance(s[k][q], dict), (k, q)
assert set(s["target"]["dm_m"]) >= {"D90_gy", "D98_gy", "Dmean_gy", "D2cc_gy", "D0.1cc_gy", "V100_pct", "V150_pct"}
assert "bone_water_ratio" not in s
media = {(m["structure"], m["medium"]): m for m in s["media_ratios"]}
assert any(k[0].startswith("VB_") for k in media) and any(k[0] == s["target"]["name"] for k in media), media
cortical = [m for k, m in media.items() if "cortical" in k[1]]
# Dm,m/Dw,m in one medium is the fluence-weighted mean of mu_en/rho(bone) / mu_en/rho(water), so
# it lies between that ratio's extremes over the spectrum's energies: NIST (Hubbell & Seltzer,
# data/reference/nist_xcom_xray.csv) cortical bone (ICRU-44) / water at 10-50 keV: 26.80/4.944 =
# 5.42, 6.10, 6.54, 6.87, 6.49, 0.2336/0.04223 = 5.53, so within [5.42, 6.87].
assert cortical and all(5.42 <= m["dm_m_over_dw_m"] <= 6.87 for m in cortical), cortical
assert all(m["dm_m_over_dw_w"] > 2 for m in cortical), cortical  # cortical bone: ~3.5
near = {n["from_surface_mm"]: n for n in s["near_applicator"]}
assert sorted(near) == [0, 1, 2, 5], near
assert near[0]["dw_w_gy"] > near[1]["dw_w_gy"] > near[2]["dw_w_gy"] > near[5]["dw_w_gy"] > at["dw_w_gy"], near
assert s["applicator_voxels"]["voxels_left_out"] > 0
assert 0 < s["mc_sigma_rel"] <= 0.021, s["mc_sigma_rel"]
assert "hybrid" in s["mc_method"] and "split" in s["mc_method"], s["mc_method"]  # issue 21: how it ran
assert s["seconds"] > 0
# Issue 16: the illustrative calibration is named, the budget and the model's assumptions are there.
c = s["calibration"]
assert c["illustrative"] is True and c["serial"] == "SAMPLE-0000", c
for k in ("formalism", "depth_reference", "date", "measured_by", "phantom", "detector", "file"):
    assert c[k], k
assert any("ILLUSTRATIVE CALIBRATION - NOT FOR CLINICAL USE" in m for m in s["messages"])
u = s["uncertainty_budget"]
assert u["coverage"] == "k=1" and [x["name"] for x in u["components"]] == [
    "monte_carlo_statistics", "calibration", "positional_sensitivity", "medium_assignment"]
assert 0.15 < u["combined_rel"] < 0.30, u  # about 20 %/mm x 1 mm dominates at 13 mm
assert s["needle_check"][0]["pass"] is True and s["needle_check"][0]["margin_mm"] == 1.0
assert any(p["status"] == "fitted" for p in s["source_model"]["parameters"])
assert "13 mm depth" in s["prescription"]["citation"] and s["prescription"]["from"] == "applicator surface"
PY
then ok; else fail "demo summary: $out"; fi
if [[ -s $t/demo/report.pdf ]]; then
  pdftotext -f 1 -l 1 "$t/demo/report.pdf" - | grep -q 'ILLUSTRATIVE CALIBRATION - NOT FOR CLINICAL USE' && ok || fail "demo PDF page 1 lacks the illustrative banner"
fi
head -1 "$t/demo/dvh.csv" | grep -q 'ILLUSTRATIVE CALIBRATION - NOT FOR CLINICAL USE' && ok || fail "demo dvh.csv lacks the illustrative banner"
grep -aq 'ILLUSTRATIVE CALIBRATION' "$t/demo/dose.nrrd" && ok || fail "demo dose.nrrd header lacks the illustrative banner"
# A point prescription names its reference: no default (issue 16).
check no-reference 2 'must name its depth reference' -- "$kiort" -q plan create --phantom L1 --voxel-mm 2 --engine water --out "$t/nr/plan.json"
# The needle's whole surface against the derived canal on the real spine CT: the left access the
# axis-and-four-lines check accepted enters the canal; the message says where along the needle.
check real-left-needle 2 'crosses the spinal canal.*mm from the tip, on its' -- "$kiort" -q plan create --from surface --volume "$s/example_ct.nii.gz" --labels "$s/totalseg.nii.gz" --labels "$s/totalseg_vertebrae_pp_refined.nii.gz=$t/names.csv" --level L1 --target VB_L1 --engine water --out "$t/rl/plan.json"
for f in plan.json dose.nrrd dvh.csv summary.json; do [[ -s $t/demo/$f ]] && ok || fail "demo did not write $f"; done
# The PDF shows TG-186's quantities side by side, what the prescription refers to, the media and
# the doses next to the applicator (issue 16).
if command -v pdftotext >/dev/null; then
  txt=$(pdftotext "$t/demo/report.pdf" - 2>/dev/null)
  for want in "The prescription refers to" "Dw,m (MC)" "Dose ratios per medium" "Dose next to the applicator"; do
    grep -qF "$want" <<<"$txt" && ok || fail "the demo's report lacks '$want'"
  done
fi
# dvh.csv: all three quantities, each curve to its structure's maximum (ends with volume 0).
python3 - "$t/demo/dvh.csv" <<'PY' && ok || fail "dvh.csv quantities or curve ends"
import csv, sys
rows = [r for r in csv.reader(l for l in open(sys.argv[1]) if not l.startswith("#"))][1:]
assert {r[0] for r in rows} == {"mc", "mc_dw_m", "water"}, {r[0] for r in rows}
last = {}
for r in rows:
    last[(r[0], r[1])] = float(r[4])
assert all(v == 0.0 for v in last.values()), last
PY
echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
