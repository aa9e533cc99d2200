#!/usr/bin/env bash
# Issue 18, as a careless user meets it on the command line: `kiort plan show` on plan.json files
# with an evaluation emptied or a field of the wrong type (tests/fuzz/regressions/plan_json) exits 2
# naming the file and the field; before, it segfaulted (exit 139) or exited 1 (json type_error).
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
echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
