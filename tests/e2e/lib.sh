# Shared by the end-to-end scripts: counters, ok/fail, and check (run a command, compare its exit
# code, grep its output). Source it; finish with `echo "$passes passed, $fails failed"` and
# `[[ $fails -eq 0 ]]`.
fails=0; passes=0
ok() { passes=$((passes+1)); }
fail() { echo "FAIL $*"; fails=$((fails+1)); }
bad() { fail "$@"; }  # the name the serve tests use
check() {  # check NAME EXPECTED_RC PATTERN -- CMD...
  local name=$1 want=$2 pat=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -ne $want ]]; then fail "$name: exit $rc, expected $want: $out"; return; fi
  if [[ -n $pat ]] && ! grep -qE -- "$pat" <<<"$out"; then fail "$name: output lacks /$pat/: $out"; return; fi
  ok
}

# serve_registry KIORT CSV: a throwaway folder $work, removed at exit with the server that
# start_server started there, holding the registry $work/r.db with CSV imported.
serve_registry() {
  work=$(mktemp -d)
  server_pid=
  trap serve_cleanup EXIT
  "$1" -q registry init --db "$work/r.db" >/dev/null
  "$1" -q registry import --db "$work/r.db" --csv "$2" >/dev/null
}
serve_cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}

# create_users KIORT "USER ROLE"...: each user, with password-USER, in $work/r.db's users file.
create_users() {
  local kiort=$1 u; shift
  for u in "$@"; do
    set -- $u
    echo "password-$1" | "$kiort" serve --db "$work/r.db" --create-user "$1" --role "$2" >/dev/null || fail "create user $1"
  done
}

# start_server KIORT WORK SERVE_ARGS...: `KIORT serve SERVE_ARGS --port 0` in the background, its
# output in WORK/serve.out and WORK/serve.err; sets server_pid, port and base (the URL), or exits 1
# when it does not listen within 5 s. The caller's EXIT trap ends $server_pid.
start_server() {
  local kiort=$1 dir=$2; shift 2
  "$kiort" serve "$@" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
  server_pid=$!
  for _ in $(seq 50); do grep -q listening "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/serve.out")
  [[ -n $port ]] || { echo "FAIL server did not start: $(cat "$dir/serve.err")"; exit 1; }
  base=http://127.0.0.1:$port
}
# login USER (after start_server, with $work set): logs USER in with password-USER, the session's
# cookie jar in $work/USER.jar; prints the CSRF token.
login() {
  curl -s -c "$work/$1.jar" -H 'Content-Type: application/json' \
    -d "{\"user\":\"$1\",\"password\":\"password-$1\"}" "$base/api/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])'
}
# expect NAME STATUS [PATTERN] -- CURL_ARGS...: curl's HTTP status and, if given, PATTERN in the
# answer: headers and body, or the body alone when expect_body_only is set.
expect() {
  local name=$1 want=$2 pat=$3; shift 4
  local out code headers=(-i)
  [[ -n ${expect_body_only:-} ]] && headers=()
  out=$(curl -s "${headers[@]}" -w '\n%{http_code}' "$@" 2>&1)
  code=${out##*$'\n'}; out=${out%$'\n'*}
  if [[ $code != "$want" ]]; then fail "$name: HTTP $code, expected $want: $out"; return; fi
  if [[ -n $pat ]] && ! grep -qE -- "$pat" <<<"$out"; then fail "$name: answer lacks /$pat/: $out"; return; fi
  ok
}
