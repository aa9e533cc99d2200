# Shared by the end-to-end scripts: counters, ok/fail, and check (run a command, compare its exit
# code, grep its output). Source it; finish with `echo "$passes passed, $fails failed"` and
# `[[ $fails -eq 0 ]]`.
fails=0; passes=0
ok() { passes=$((passes+1)); }
fail() { echo "FAIL $*"; fails=$((fails+1)); }
check() {  # check NAME EXPECTED_RC PATTERN -- CMD...
  local name=$1 want=$2 pat=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -ne $want ]]; then fail "$name: exit $rc, expected $want: $out"; return; fi
  if [[ -n $pat ]] && ! grep -qE -- "$pat" <<<"$out"; then fail "$name: output lacks /$pat/: $out"; return; fi
  ok
}
