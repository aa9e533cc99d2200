#!/usr/bin/env bash
# The CLI's contract: --version, --help, exit codes for bad usage, and honest "not built yet".
set -u
kiort=$1
. "$(dirname "$0")/lib.sh"
check version 0 '^kiort [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]+' -- "$kiort" --version
check help 0 'demo' -- "$kiort" --help
for sub in demo xs mc plan registry stats serve bench; do  # built or planned
  check "help lists $sub" 0 "^ +$sub " -- "$kiort" --help
done
check unknown-subcommand 2 '' -- "$kiort" frobnicate
check unknown-option 2 '' -- "$kiort" --frobnicate
check no-subcommand 2 'no subcommand' -- "$kiort"
# kiort xs (photon physics)
check xs-json 0 '"mu_en_rho"' -- "$kiort" xs --material water --energy 20,30 --json
check xs-list 0 'cortical-bone' -- "$kiort" xs --list
check xs-unknown-material 2 'cortical-bone' -- "$kiort" xs --material bone --energy 20
check xs-energy-range 2 '1 to 60 keV' -- "$kiort" xs --material water --energy 75
check xs-no-energy 2 'energy' -- "$kiort" xs --material water
# The JSON is an array with one object per energy and all fields in cm2/g.
if command -v python3 >/dev/null; then
  if "$kiort" xs --material cortical-bone --energy 20,30 --json | python3 -c '
import json,sys
a=json.load(sys.stdin)
assert len(a)==2 and a[0]["material"]=="cortical-bone" and a[0]["energy_kev"]==20
for o in a:
    assert abs(o["mu_rho"]-(o["photo"]+o["incoherent"]+o["coherent"]))<1e-9*o["mu_rho"]
    assert 0<o["mu_en_rho"]<o["mu_rho"]
'; then passes=$((passes+1)); else echo "FAIL xs json structure"; fails=$((fails+1)); fi
fi
# kiort mc (Monte Carlo engine)
check mc-point-json 0 '"dose_gy_per_history"' -- "$kiort" mc point --medium water --energy 30 --histories 2000 --radius-mm 10 --shell-mm 2 --json
check mc-150-shells 0 '^150$' -- sh -c "\"$kiort\" mc point --medium water --radius-mm 150 --shell-mm 1 --energy 30 --histories 100000 --json | grep -c r_inner_mm"
check mc-zero-histories 2 'histories' -- "$kiort" mc point --medium water --energy 30 --histories 0
check mc-energy-range 2 '1 to 60 keV' -- "$kiort" mc point --medium water --energy 80 --histories 10
check mc-unknown-medium 2 'cortical-bone' -- "$kiort" mc point --medium bone --energy 30 --histories 10
check mc-no-energy 2 'energy' -- "$kiort" mc point --medium water --histories 10
out=$(mktemp -d)
check mc-box 0 '' -- "$kiort" -q mc box --medium cortical-bone --energy 30 --size-mm 10 --voxel-mm 1 --histories 2000 --hybrid --out "$out/box"
for f in dose.nrrd sigma.nrrd summary.json; do
  [[ -s $out/box/$f ]] && passes=$((passes+1)) || { echo "FAIL mc box wrote no $f"; fails=$((fails+1)); }
done
head -c 200 "$out/box/dose.nrrd" | grep -q 'space: left-posterior-superior' && passes=$((passes+1)) || { echo "FAIL NRRD header"; fails=$((fails+1)); }
ls -a "$out/box" | grep -q '\.tmp\.' && { echo "FAIL temporary files left"; fails=$((fails+1)); } || passes=$((passes+1))
check bench-mc 0 '"efficiency_15mm"' -- "$kiort" -q bench mc --histories 2000 --json --cases water-30keV,water-30keV-hybrid,ct-512x512x200-crop-128x128x64
check bench-mc-spine 0 '"sigma_rel_target"' -- "$kiort" -q bench mc --histories 2000 --json --cases spine-ct-L1-1mm --spine-ct "$(dirname "$0")/../data/spine-ct"
# A plan's Monte Carlo basis on the spine CT (compute_basis, right transpedicular access, 1 mm).
if "$kiort" -q bench mc --histories 2048 --threads 2 --json --cases spine-ct-L1-plan --spine-ct "$(dirname "$0")/../data/spine-ct" > "$out/plan.json" &&
   python3 - "$out/plan.json" <<'PY'
import json, math, sys
c = json.load(open(sys.argv[1]))["cases"]
assert [x["case"] for x in c] == ["spine-ct-L1-plan"], c
c = c[0]
for k in ("histories", "seconds", "histories_per_second", "sigma_rel_target",
          "seconds_to_2pct_target", "threads", "sigma_rel_15mm", "efficiency_15mm"):
    assert isinstance(c[k], (int, float)) and math.isfinite(c[k]) and c[k] > 0, (k, c.get(k))
assert c["histories"] == 2048 and c["threads"] == 2 and c["commit"] and c["access"] == "right", c
assert 0 < c["target_voxels_scored"] <= c["target_voxels"], c
PY
then passes=$((passes+1)); else echo "FAIL bench mc spine-ct-L1-plan"; fails=$((fails+1)); fi
rm -rf "$out"
# kiort source (probe model, calibration, commissioning)
data=$(dirname "$0")/../../data
check source-list 0 'SAMPLE-0000' -- "$kiort" source list
out=$(mktemp -d)
printf '# probe_serial: X\n# kv: 50\n# applicator: needle\n# calibration_date: 2026-01-01\n# dose_definition: water\n# depth_convention: applicator-surface\n# units: depth_mm, dose_rate_gy_per_min\ndepth_mm,dose_rate_gy_per_min\n5,7\n4,8\n' > "$out/bad.csv"
check commission-bad-table 2 'bad.csv:10: depth_mm' -- "$kiort" source commission --calibration "$out/bad.csv" --out "$out/s.json"
[[ ! -e $out/s.json ]] && passes=$((passes+1)) || { echo "FAIL a failed commissioning wrote a file"; fails=$((fails+1)); }
# A calibration must state its provenance (issue 16): here it does not say whether it is illustrative.
printf '# probe_serial: X\n# kv: 50\n# applicator: needle\n# calibration_date: 2026-01-01\n# dose_definition: water\n# depth_convention: applicator-surface\n# formalism: targit\n# applicator_outer_radius_mm: 2.2\n# phantom: water tank\n# phantom_radius_mm: 150\n# detector: PTW 34013\n# measured_by: A. Physicist\n# uncertainty_rel_k1: 0.04\n# units: depth_mm, dose_rate_gy_per_min\ndepth_mm,dose_rate_gy_per_min\n5,7\n8,3\n' > "$out/noprov.csv"
check commission-no-provenance 2 'noprov.csv: illustrative' -- "$kiort" source commission --calibration "$out/noprov.csv" --out "$out/s.json"
check source-list-illustrative 0 'ILLUSTRATIVE' -- "$kiort" source list
check depth-dose-json 0 '"ratio_to_water"' -- "$kiort" -q source depth-dose --source "$data/sources/intrabeam-needle-50kv-sample.commissioned.json" --medium spongiosa --depths 5,10 --histories 200000 --json
check depth-dose-range 2 'depth' -- "$kiort" -q source depth-dose --source "$data/sources/intrabeam-needle-50kv-sample.commissioned.json" --depths 90
# The fast water engine: a quick table in a private cache, then two runs agree (the second reads it).
export KIORT_CACHE_DIR="$out/cache"
check depth-dose-water 0 '"engine": "water"' -- "$kiort" -q source depth-dose --kv 50 --depths 5,10 --engine water --histories 300000 --json
n_tables=$(ls "$out/cache" 2>/dev/null | grep -c 'water-v.*-h300000-s1.json')
[[ $n_tables -eq 1 ]] && passes=$((passes+1)) || { echo "FAIL water table not cached: $(ls "$out/cache")"; fails=$((fails+1)); }
a=$("$kiort" -q source depth-dose --kv 50 --depths 5,10 --engine water --histories 300000 --json)
b=$("$kiort" -q source depth-dose --kv 50 --depths 5,10 --engine water --histories 300000 --json)
[[ "$a" == "$b" ]] && passes=$((passes+1)) || { echo "FAIL cached water engine differs"; fails=$((fails+1)); }
check depth-dose-water-bone 2 'water only' -- "$kiort" -q source depth-dose --kv 50 --depths 5 --medium cortical-bone --engine water
check depth-dose-no-kv 2 'no commissioned source for this tube voltage' -- "$kiort" -q source depth-dose --kv 40 --depths 5
check depth-dose-no-source 2 'source FILE or --kv' -- "$kiort" -q source depth-dose --depths 5
check bench-water 0 '"fill_seconds_best"' -- "$kiort" -q bench water --n 40 --repeats 1 --table-histories 300000 --json
check depth-dose-png 0 'wrote' -- "$kiort" -q source depth-dose --kv 50 --medium cortical-bone --depths 2,5,10 --histories 100000 --png "$out/bone.png"
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if d[:8]==b"\x89PNG\r\n\x1a\n" and len(d)>5000 else 1)' "$out/bone.png" && passes=$((passes+1)) || { echo "FAIL depth-dose PNG"; fails=$((fails+1)); }
check depth-dose-png-water 2 'compares a medium with water' -- "$kiort" -q source depth-dose --kv 50 --depths 2,5 --histories 100000 --png "$out/w.png"
check phsp-export 0 'wrote' -- "$kiort" -q source phsp export --source intrabeam-needle-50kv-sample.commissioned.json --photons 20000 --out "$out/probe"
check phsp-info 0 '"photons": 20000' -- "$kiort" -q source phsp info "$out/probe.IAEAheader" --json
head -c 1000 "$out/probe.IAEAphsp" > "$out/cut.IAEAphsp"; cp "$out/probe.IAEAheader" "$out/cut.IAEAheader"
check phsp-truncated 2 'whole number of records' -- "$kiort" -q source phsp info "$out/cut"
unset KIORT_CACHE_DIR
rm -rf "$out"
# Bad usage is explained in one line.
lines=$("$kiort" frobnicate 2>&1 | wc -l)
[[ $lines -eq 1 ]] && passes=$((passes+1)) || { echo "FAIL one-line reason: $lines lines"; fails=$((fails+1)); }
echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
