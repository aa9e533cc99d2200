#!/usr/bin/env bash
# kiort serve's evidence API (issue 22) as a client sees it (curl): the reference list, search, a
# reference with the statements citing it grouped as `kiort evidence show --json` groups them,
# the stance model's suggestion, a new statement classified by a physician (stored beside the
# users file, the shipped data/evidence untouched), read-only refused (403), no CSRF token
# refused, the rationale lookup, and bad requests answered 4xx, never 500.
set -u
kiort=$1
cohort=$2
. "$(dirname "$0")/lib.sh"
serve_registry "$kiort" "$cohort"
create_users "$kiort" "ann physician" "rob read-only"
start_server "$kiort" "$work" --db "$work/r.db"

json=(-H 'Content-Type: application/json')
A=(-b "$work/ann.jar" -H "X-CSRF-Token: $(login ann)" "${json[@]}")
R=(-b "$work/rob.jar" -H "X-CSRF-Token: $(login rob)" "${json[@]}")

expect "no session" 401 '' -- "$base/api/evidence"
expect "list" 200 '"id":"bludau2019"' -- "${R[@]}" "$base/api/evidence"
n=$(curl -s "${R[@]}" "$base/api/evidence" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["references"]))')
want=$("$kiort" evidence list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["references"]))')
[[ $n == "$want" && $n -ge 20 ]] && ok || bad "list: $n references, kiort evidence list has $want"
expect "search" 200 '"reference":"bludau2019"' -- "${R[@]}" "$base/api/evidence/search?q=phase%20III%20protocol"
expect "search empty" 400 '"field":"q"' -- "${R[@]}" "$base/api/evidence/search?q=%20"
expect "search broken UTF-8" 200 '"hits":\[\]' -- "${R[@]}" "$base/api/evidence/search?q=%FF%FE"
expect "search too long" 400 '"field":"q"' -- "${R[@]}" "$base/api/evidence/search?q=$(printf 'a%.0s' $(seq 201))"
expect "show broken UTF-8" 404 '' -- "${R[@]}" "$base/api/evidence/references/%FF"
expect "rationale broken UTF-8" 200 '"known":false' -- "${R[@]}" "$base/api/evidence/rationale?references=%FF"
expect "search missing" 400 '"field":"q"' -- "${R[@]}" "$base/api/evidence/search"
# The reference page's groups and counts are kiort evidence show's.
curl -s "${R[@]}" "$base/api/evidence/references/bludau2019" >"$work/web.json"
"$kiort" evidence show bludau2019 --json >"$work/cli.json"
python3 - "$work/web.json" "$work/cli.json" <<'PY' && ok || bad "show: the web's groups differ from kiort evidence show"
import json, sys
w, c = (json.load(open(p)) for p in sys.argv[1:])
for g in ("supporting", "contrasting", "mentioning"):
    assert [s["id"] for s in w["citing"][g]] == [s["id"] for s in c["citing"][g]], g
assert w["citing"]["counts"] == c["citing"]["counts"]
assert w["citing"]["counts"]["total"] > 0 and len(w["findings"]) == len(c["findings"])
PY
expect "show unknown" 404 'no such reference' -- "${R[@]}" "$base/api/evidence/references/nosuch"
expect "show bad id" 404 '' -- "${R[@]}" "$base/api/evidence/references/a%20b"
expect "suggest" 200 '"stance":"(supports|contrasts|mentions)".*"trained_on"' -- "${R[@]}" \
  "$base/api/evidence/suggest?claim=Confirms%20the%20pain%20relief%20reported%20by%20the%20trial&section=Discussion"
expect "suggest no claim" 400 '"field":"claim"' -- "${R[@]}" "$base/api/evidence/suggest?section=Discussion"

stmt='{"citing":"krauss2024","cited":"bludau2019","claim":"Cites the randomised protocol as the design its own series follows.","section":"Methods","stance":"supporting"}'
expect "classify read-only" 403 'read-only' -- "${R[@]}" -d "$stmt" "$base/api/evidence/statements"
expect "classify no CSRF" 403 'CSRF' -- -b "$work/ann.jar" "${json[@]}" -d "$stmt" "$base/api/evidence/statements"
expect "classify not JSON" 415 '' -- -b "$work/ann.jar" -H "X-CSRF-Token: $(login ann)" -H 'Content-Type: text/plain' -d x "$base/api/evidence/statements"
A=(-b "$work/ann.jar" -H "X-CSRF-Token: $(login ann)" "${json[@]}")
expect "classify malformed" 400 'malformed' -- "${A[@]}" -d '{"citing":' "$base/api/evidence/statements"
expect "classify array" 400 '' -- "${A[@]}" -d '[1]' "$base/api/evidence/statements"
expect "classify unknown citing" 400 '"field":"citing"' -- "${A[@]}" -d '{"citing":"nosuch","cited":"bludau2019","claim":"A claim long enough.","section":"Methods","stance":"supports"}' "$base/api/evidence/statements"
expect "classify self" 400 '"field":"cited"' -- "${A[@]}" -d '{"citing":"bludau2019","cited":"bludau2019","claim":"A claim long enough.","section":"Methods","stance":"supports"}' "$base/api/evidence/statements"
expect "classify older citing" 400 'older than' -- "${A[@]}" -d '{"citing":"wenz2010","cited":"krauss2024","claim":"A claim long enough.","section":"Methods","stance":"supports"}' "$base/api/evidence/statements"
expect "classify bad stance" 400 '"field":"stance"' -- "${A[@]}" -d '{"citing":"krauss2024","cited":"bludau2019","claim":"A claim long enough.","section":"Methods","stance":"agrees"}' "$base/api/evidence/statements"
expect "classify short claim" 400 '"field":"claim"' -- "${A[@]}" -d '{"citing":"krauss2024","cited":"bludau2019","claim":"short","section":"Methods","stance":"supports"}' "$base/api/evidence/statements"
expect "classify claim a number" 400 '"field":"claim"' -- "${A[@]}" -d '{"citing":"krauss2024","cited":"bludau2019","claim":5,"section":"Methods","stance":"supports"}' "$base/api/evidence/statements"
before=$(sha256sum "$(dirname "$0")/../../data/evidence/statements.json")
expect "classify" 201 '"classified_by":"ann \(physician\), 20[0-9-]+T.*"suggestion":\{' -- "${A[@]}" -d "$stmt" "$base/api/evidence/statements"
[[ -f $work/r.users.evidence.json ]] && grep -q '"claim": "Cites the randomised protocol' "$work/r.users.evidence.json" && ok ||
  bad "the statement is not in r.users.evidence.json"
[[ $(sha256sum "$(dirname "$0")/../../data/evidence/statements.json") == "$before" ]] && ok || bad "data/evidence changed"
# It counts on the cited reference's page, marked as a user's.
curl -s "${R[@]}" "$base/api/evidence/references/bludau2019" >"$work/web2.json"
python3 - "$work/web.json" "$work/web2.json" <<'PY' && ok || bad "the classified statement is not on the reference's page"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert b["citing"]["counts"]["supporting"] == a["citing"]["counts"]["supporting"] + 1
assert b["citing"]["supporting"][-1]["origin"] == "user" and b["citing"]["supporting"][-1]["citing"] == "krauss2024"
PY
expect "statements" 200 '"id":"u001"' -- "${R[@]}" "$base/api/evidence/statements"
# A restart reads it back.
kill "$server_pid"; wait "$server_pid" 2>/dev/null
"$kiort" serve --db "$work/r.db" --port 0 >"$work/serve.out" 2>>"$work/serve.err" &
server_pid=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.out"); base=http://127.0.0.1:$port
R=(-b "$work/rob.jar" -H "X-CSRF-Token: $(login rob)" "${json[@]}")
expect "statements after restart" 200 '"agrees_with_suggestion".*"id":"u001"' -- "${R[@]}" "$base/api/evidence/statements"

expect "rationale" 200 '"id":"bludau2019","known":true,"label".*"id":"nosuch","known":false' -- "${R[@]}" \
  "$base/api/evidence/rationale?references=bludau2019,nosuch"
expect "rationale none" 200 '"references":\[\]' -- "${R[@]}" "$base/api/evidence/rationale"

grep -q 'internal fault' "$work/serve.err" && bad "server logged an internal fault: $(grep 'internal fault' "$work/serve.err")" || ok
kill -0 "$server_pid" 2>/dev/null && ok || bad "server died"
echo "serve evidence: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
