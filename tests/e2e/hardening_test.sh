#!/usr/bin/env bash
# Issue 18, as a careless user meets it on the command line: `kiort plan show` on plan.json files
# with an evaluation emptied or a field of the wrong type (tests/fuzz/regressions/plan_json) exits 2
# naming the file and the field; before, it segfaulted (exit 139) or exited 1 (json type_error).
# And a recompute killed with SIGKILL never leaves a mixed set of outputs.
set -u
kiort=$1
regress=$2
seeds=$3
source "$(dirname "$0")/lib.sh"

check show-computed 0 'second check' -- "$kiort" -q plan show "$seeds/plan_json/computed_water.json"
for f in "$regress"/plan_json/*.json; do
  n=$(basename "$f" .json)
  check "show-$n" 2 "$n.json: (evaluation|accesses)" -- "$kiort" -q plan show "$f"
done

# Item 7: recomputing into a folder and being killed left new dose.nrrd beside the old summary and
# DVH, and hidden .tmp files. Now the manifest (outputs.json) is removed first and written last:
# after any kill the folder is either a complete verified set or has no manifest (readers refuse).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --out "$work/p/plan.json" >/dev/null
"$kiort" -q plan compute "$work/p/plan.json" --out "$work/p" >/dev/null
verify() {  # every file the manifest names has its SHA-256; no manifest is also consistent
  python3 - "$1" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
m = os.path.join(d, "outputs.json")
if not os.path.exists(m):
    sys.exit(0)
files = json.load(open(m))["files"]
bad = [f for f, h in files.items() if hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest() != h]
sys.exit(1 if bad else 0)
PY
}
complete=0; interrupted=0
for delay in 0.02 0.05 0.08 0.11 0.14 0.17 0.2 0.25 0.3 0.4; do
  "$kiort" -q plan compute "$work/p/plan.json" --out "$work/p" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"; kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  if verify "$work/p"; then ok; else fail "kill after $delay s: a file differs from its manifest"; fi
  if [[ -f $work/p/outputs.json ]]; then complete=$((complete+1)); else interrupted=$((interrupted+1)); fi
done
echo "kill -9 loop: $complete complete sets, $interrupted interrupted (no manifest)"
"$kiort" -q plan compute "$work/p/plan.json" --out "$work/p" >/dev/null
check no-temporaries 0 '' -- test -z "$(find "$work/p" -name '.*.tmp.*')"
check manifest-written 0 'dose.nrrd' -- cat "$work/p/outputs.json"
rm "$work/p/outputs.json"
check report-needs-manifest 2 'outputs incomplete' -- "$kiort" -q report "$work/p/plan.json" --out "$work/p/r.pdf"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
