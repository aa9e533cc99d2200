#!/usr/bin/env bash
# The newcomer's way into the web app: `kiort serve --demo` makes a throwaway registry with the demo
# cohort, computes the demo plan as `kiort demo` does, prints one user of each role with a password
# shown once, and serves the front end the build made; in Chromium a printed user logs in and opens
# the demo plan (web/e2e/demo_login.mjs). Also: the front end is found by default (no --web) from
# the build-tree binary and from an installed one (cmake --install), and --demo refuses a folder
# that already holds data. Exit 77 (skipped, loudly) without Chromium or a built front end.
set -uo pipefail
kiort=$(realpath "$1")
build=$(realpath "$2")   # the CMake build tree (holds web/dist and web/node_modules)
source "$(dirname "$0")/lib.sh"
chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium || ! -f $build/web/dist/index.html || ! -d $build/web/node_modules/playwright-core ]]; then
  echo "########################################################################" >&2
  echo "SKIPPED: needs $chromium and the front end built by the build (node, npm: scripts/install-deps)" >&2
  echo "########################################################################" >&2
  exit 77
fi

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# start NAME BINARY ARGS...: runs `BINARY serve ARGS --port 0` in the background, waits for its
# "listening" line, sets $port.
start() {
  local name=$1 bin=$2; shift 2
  "$bin" serve "$@" --port 0 >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 3000); do grep -q listening "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.out")
  [[ -n $port ]] || { echo "FAIL $name did not start: $(cat "$work/$name.err")"; exit 1; }
}

start demo "$kiort" --demo --demo-dir "$work/demo" --threads 2
cat "$work/demo.out"
check demo-users 0 'physicist +physicist +password [0-9a-f]{16}' -- cat "$work/demo.out"
check demo-roles 0 'read-only +read-only' -- cat "$work/demo.out"
check demo-url 0 "Open http://127.0.0.1:$port/" -- cat "$work/demo.out"
check demo-plan-computed 0 'dose.nrrd' -- ls "$work/demo/plans/demo"
check demo-api-needs-login 0 '^401$' -- curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$port/api/patients"
check demo-cohort-imported 0 'imported|rows from' -- cat "$work/demo.out"
check demo-index 0 '<div id="app"|<script' -- curl -sf "http://127.0.0.1:$port/"
password=$(sed -n 's/^ *physicist  *physicist  *password \([0-9a-f]*\)$/\1/p' "$work/demo.out")
(cd "$build/web" && KIORT_URL=http://127.0.0.1:$port KIORT_USER=physicist KIORT_PASSWORD=$password \
  SCREENSHOT_DIR=${KIORT_WEB_SCREENSHOTS:-$work/shots} CHROMIUM=$chromium node e2e/demo_login.mjs) \
  && ok demo-login-opens-plan || fail demo-login-opens-plan "the Playwright steps failed"
check demo-dir-not-empty 2 'not empty' -- "$kiort" serve --demo --demo-dir "$work/demo" --port 0

# An installed kiort finds its data and front end under <prefix>/share/kiort.
cmake --install "$build" --prefix "$work/prefix" >/dev/null
echo "pw-$RANDOM" | "$work/prefix/bin/kiort" serve --db "$work/demo/registry.db" --users "$work/u.db" --create-user x --role read-only >/dev/null
start installed "$work/prefix/bin/kiort" --db "$work/demo/registry.db" --users "$work/u.db"
check installed-index 0 '<script' -- curl -sf "http://127.0.0.1:$port/"
check installed-data 0 'water' -- "$work/prefix/bin/kiort" xs --material water --energy 30

echo "serve demo: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
