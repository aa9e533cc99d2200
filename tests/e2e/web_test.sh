#!/usr/bin/env bash
# The web application end to end in Debian's Chromium (headless) through playwright-core: takes
# the front end the build made (<build>/web/dist, with its npm packages in <build>/web/node_modules:
# web/CMakeLists.txt), starts kiort serve on a throwaway registry (the demo cohort) with a fast plan
# named "demo", and runs web/e2e/run.mjs, then web/e2e/visits.mjs and web/e2e/evidence.mjs. Screenshots go to $KIORT_WEB_SCREENSHOTS if set (the
# docs' web-*.png are made with KIORT_WEB_SCREENSHOTS=docs), else to a temporary folder.
# Without /usr/bin/chromium or a built front end (node and npm: scripts/install-deps) the test says
# so loudly and is reported as skipped (exit 77), never as passed. Then web/e2e/plan_review.mjs on
# a second plan, "review": plan review, approval in the page, the cohort page, axe-core.
set -euo pipefail
kiort=$(realpath "$1")
cohort=$(realpath "$2")
build=$(realpath "$3")
root=$(cd "$(dirname "$0")/../.." && pwd)
web=$build/web
chromium=${CHROMIUM:-/usr/bin/chromium}

if ! command -v "$chromium" >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 ||
   [[ ! -f $web/dist/index.html || ! -d $web/node_modules/playwright-core ]]; then
  echo "########################################################################" >&2
  echo "SKIPPED: the web end-to-end suite needs $chromium, node and the front end the build makes" >&2
  echo "(scripts/install-deps installs chromium, node and npm; then build again)." >&2
  echo "########################################################################" >&2
  exit 77
fi

work=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cd "$web"
"$kiort" -q registry init --db "$work/r.db" >/dev/null
"$kiort" -q registry import --db "$work/r.db" --csv "$cohort" >/dev/null
mkdir -p "$work/plans"
# The plan review script's own draft (web/e2e/plan_review.mjs approves it): the Monte Carlo
# engine with few histories, so that both engines' DVHs and metrics are there, and its report.pdf
# and DICOM set (kiort report), which the approved page links.
mkdir -p "$work/plans/review"
"$kiort" -q plan create --phantom L1 --voxel-mm 2 --engine mc --from surface --sigma 0.2 --max-histories 5000 \
  --out "$work/plans/review/plan.json" >/dev/null
"$kiort" -q plan compute "$work/plans/review/plan.json" --out "$work/plans/review" >/dev/null
"$kiort" -q report "$work/plans/review/plan.json" --out "$work/plans/review/report.pdf" \
  --dicom-out "$work/plans/review/dicom" >/dev/null
# The same plan with summary.json as the dosimetry branch writes it (issue 16's contract: dm_m, dw_m,
# dw_w per structure, prescription.dose_at_point, calibration.illustrative, the uncertainty
# budget), with numbers of its own so the page can be checked against them; the manifest
# follows, so the plan still reads as complete.
cp -r "$work/plans/review" "$work/plans/contract"
python3 - "$work/plans/contract" <<'PY'
import hashlib, json, pathlib, sys
d = pathlib.Path(sys.argv[1])
s = json.loads((d / "summary.json").read_text())
for g in ("target", "cord", "canal"):
    flat = {k: v for k, v in s[g].items() if k.endswith(("_gy", "_pct"))}
    s[g]["dm_m"] = flat
    s[g]["dw_m"] = {k: 1.1 * v for k, v in flat.items()}
    s[g]["dw_w"] = dict(s[g].get("water_engine", {}))
s["target"]["dw_m"]["D90_gy"] = 3.14159
s["prescription"]["dose_at_point"] = {"dm_m_gy": 8.1, "dw_m_gy": 8.2, "dw_w_gy": 8.3,
                                      "sigma_rel": 0.012, "method": "contract test"}
s["calibration"] = {"illustrative": True}
s["uncertainty_budget"] = {"combined_rel": 0.085}
# The prescription's rationale as plan.json carries it into summary.json (issue 22).
s["rationale"] = {"evidence_base": "contract", "references": ["bludau2019", "wenz2010ijrobp"],
                  "findings": ["bludau2019.dose.1", "wenz2010ijrobp.depth.1"]}
(d / "summary.json").write_text(json.dumps(s, indent=2))
m = json.loads((d / "outputs.json").read_text())
m["files"]["summary.json"] = hashlib.sha256((d / "summary.json").read_bytes()).hexdigest()
(d / "outputs.json").write_text(json.dumps(m, indent=2))
PY
if [[ -n ${KIORT_WEB_PLAN:-} ]]; then  # e.g. the output of `kiort demo`, for the docs' screenshots
  cp -r "$KIORT_WEB_PLAN" "$work/plans/demo"
else
  mkdir -p "$work/plans/demo"
  "$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --out "$work/plans/demo/plan.json" >/dev/null
  "$kiort" -q plan compute "$work/plans/demo/plan.json" --out "$work/plans/demo" >/dev/null
fi
for u in "ann physician" "phil physicist" "dora data-manager" "rob read-only"; do
  set -- $u
  echo "password-$1" | "$kiort" serve --db "$work/r.db" --create-user "$1" --role "$2" >/dev/null
done
"$kiort" serve --db "$work/r.db" --plans "$work/plans" --web "$web/dist" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.out")
[[ -n $port ]] || { echo "FAIL server did not start: $(cat "$work/serve.err")"; exit 1; }

shots=${KIORT_WEB_SCREENSHOTS:-$work/shots}
[[ $shots = /* ]] || shots=$root/$shots
rc=0
KIORT_URL=http://127.0.0.1:$port SCREENSHOT_DIR=$shots CHROMIUM=$chromium node e2e/plan_review.mjs || rc=$?
KIORT_URL=http://127.0.0.1:$port SCREENSHOT_DIR=$shots CHROMIUM=$chromium node e2e/run.mjs || rc=$?
# Follow-up entry, corrections, vital status, sessions and axe-core (issue 20), on the same server.
KIORT_URL=http://127.0.0.1:$port SCREENSHOT_DIR=$shots CHROMIUM=$chromium node e2e/visits.mjs || rc=$?
# The evidence base: browse, search, show, classify with the suggestion, read-only refused, the
# plan page's rationale, axe-core (issue 22).
KIORT_URL=http://127.0.0.1:$port SCREENSHOT_DIR=$shots CHROMIUM=$chromium node e2e/evidence.mjs || rc=$?
if grep -q 'internal fault' "$work/serve.err"; then echo "FAIL the server logged an internal fault:"; grep 'internal fault' "$work/serve.err"; rc=1; fi
exit $rc
