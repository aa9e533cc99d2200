#!/usr/bin/env bash
# The CLI's contract: --version, --help, exit codes for bad usage, and honest "not built yet".
set -u
kiort=$1
fails=0; passes=0
check() {  # check NAME EXPECTED_RC PATTERN -- CMD...
  local name=$1 want=$2 pat=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -ne $want ]]; then echo "FAIL $name: exit $rc, expected $want: $out"; fails=$((fails+1)); return; fi
  if [[ -n $pat ]] && ! grep -qE -- "$pat" <<<"$out"; then echo "FAIL $name: output lacks /$pat/: $out"; fails=$((fails+1)); return; fi
  passes=$((passes+1))
}
check version 0 '^kiort [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]+' -- "$kiort" --version
check help 0 'demo' -- "$kiort" --help
for sub in demo xs mc plan registry stats serve bench; do
  check "help lists $sub" 0 "^ +$sub " -- "$kiort" --help
done
check unknown-subcommand 2 '' -- "$kiort" frobnicate
check unknown-option 2 '' -- "$kiort" --frobnicate
check no-subcommand 2 'no subcommand' -- "$kiort"
# Bad usage is explained in one line.
lines=$("$kiort" frobnicate 2>&1 | wc -l)
[[ $lines -eq 1 ]] && passes=$((passes+1)) || { echo "FAIL one-line reason: $lines lines"; fails=$((fails+1)); }
echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
