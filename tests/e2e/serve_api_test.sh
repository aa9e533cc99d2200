#!/usr/bin/env bash
# kiort serve's JSON API as a client sees it (curl): every route but login answers 401 without a
# session; malformed JSON 400; oversized bodies 413; a missing CSRF token or the wrong role 403;
# registry validation errors name the field; bad input is never answered with a 500; every change
# is in the audit trail with the logged-in user.
set -u
kiort=$1
cohort=$2
. "$(dirname "$0")/lib.sh"
serve_registry "$kiort" "$cohort"
mkdir -p "$work/plans/fast"
"$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --out "$work/plans/fast/plan.json" >/dev/null
"$kiort" -q plan compute "$work/plans/fast/plan.json" --out "$work/plans/fast" >/dev/null
plan_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/plans/fast/plan.json")
"$kiort" -q registry add level --db "$work/r.db" --user setup --procedure_id 1 --level L1 --plan_id "$plan_id" >/dev/null || bad "add level"
create_users "$kiort" "ann physician" "phil physicist" "dora data-manager" "rob read-only"
echo "short" | "$kiort" serve --db "$work/r.db" --create-user eve --role physician >/dev/null 2>&1 && bad "short password accepted" || ok
echo "password-x" | "$kiort" serve --db "$work/r.db" --create-user eve --role admin >/dev/null 2>&1 && bad "unknown role accepted" || ok
grep -q 'argon2id' <(sqlite3 "$work/r.users.db" 'select password_hash from users' 2>/dev/null || python3 -c "
import sqlite3,sys; print('\n'.join(r[0] for r in sqlite3.connect(sys.argv[1]).execute('select password_hash from users')))" "$work/r.users.db") && ok || bad "hashes are not argon2id"

start_server "$kiort" "$work" --db "$work/r.db" --plans "$work/plans"

expect_body_only=1  # expect (lib.sh) matches the body alone
json=(-H 'Content-Type: application/json')

# Without a session: 401 everywhere but login, whatever the method.
for route in /api/me /api/due /api/patients /api/patients/1 /api/forms /api/cohort /api/plans \
             /api/plans/fast "/api/plans/fast/slice?axis=axial" /api/audit /api/nonexistent; do
  expect "no session GET $route" 401 'log in' -- "$base$route"
done
expect "no session POST visit" 401 '' -- "${json[@]}" -d '{"visit":{}}' "$base/api/visits"
expect "no session approve" 401 '' -- "${json[@]}" -d '{}' "$base/api/plans/fast/approve"
expect "forged cookie" 401 '' -- -b "kiort_session=$(printf 'a%.0s' {1..64})" "$base/api/me"

# Login: malformed JSON, wrong shapes, wrong password, wrong content type.
expect "login malformed" 400 'malformed' -- "${json[@]}" -d '{"user":' "$base/api/login"
expect "login array" 400 '' -- "${json[@]}" -d '[1,2]' "$base/api/login"
expect "login number user" 400 '' -- "${json[@]}" -d '{"user":1,"password":"x"}' "$base/api/login"
expect "login wrong password" 401 'wrong' -- "${json[@]}" -d '{"user":"ann","password":"nope-nope"}' "$base/api/login"
expect "login unknown user" 401 'wrong' -- "${json[@]}" -d '{"user":"zed","password":"nope-nope"}' "$base/api/login"
expect "login form-encoded" 415 '' -- -d 'user=ann&password=password-ann' "$base/api/login"
head -c 100000 /dev/zero | tr '\0' x >"$work/big"
expect "login huge body" 413 'larger' -- "${json[@]}" --data-binary "@$work/big" "$base/api/login"

# The session cookie is HttpOnly and SameSite=Strict.
curl -s -D "$work/h" -o /dev/null "${json[@]}" -d '{"user":"ann","password":"password-ann"}' "$base/api/login"
grep -qi '^set-cookie: kiort_session=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Strict' "$work/h" && ok || bad "cookie flags: $(grep -i set-cookie "$work/h")"

ann=$(login ann); phil=$(login phil); dora=$(login dora); rob=$(login rob)
[[ ${#ann} == 64 && ${#phil} == 64 ]] && ok || bad "login did not return a CSRF token"
A=(-b "$work/ann.jar")
expect "me" 200 '"role":"physician"' -- "${A[@]}" "$base/api/me"
expect "due" 200 'SYNB-007' -- "${A[@]}" "$base/api/due?date=2024-12-10"
expect "due bad date" 400 'calendar date' -- "${A[@]}" "$base/api/due?date=2024-02-30"
expect "patients" 200 'SYNA-001' -- "${A[@]}" "$base/api/patients"
expect "patient" 200 '"procedures"' -- "${A[@]}" "$base/api/patients/1"
expect "patient unknown" 404 '' -- "${A[@]}" "$base/api/patients/99999"
expect "patient not a number" 404 '' -- "${A[@]}" "$base/api/patients/abc"
expect "patient overflow" 404 '' -- "${A[@]}" "$base/api/patients/99999999999999999999999"
expect "forms" 200 'qlq_c30' -- "${A[@]}" "$base/api/forms"
expect "cohort" 200 '"km"' -- "${A[@]}" "$base/api/cohort"
expect "audit bad table" 400 '' -- "${A[@]}" "$base/api/audit?table=nope"
expect "unknown route" 404 '' -- "${A[@]}" "$base/api/nonexistent"

# Visit entry: CSRF, bad JSON, validation at the field, size, then a good one.
V='{"visit":{"procedure_id":1,"event":"unscheduled","visit_date":"2024-10-01","pain_worst":2},"analgesics":[{"drug":"morphine","route":"oral","daily_dose":20}]}'
expect "visit without CSRF" 403 'CSRF' -- "${A[@]}" "${json[@]}" -d "$V" "$base/api/visits"
expect "visit wrong CSRF" 403 'CSRF' -- "${A[@]}" -H "X-CSRF-Token: $phil" "${json[@]}" -d "$V" "$base/api/visits"
C=(-H "X-CSRF-Token: $ann")
expect "visit malformed" 400 'malformed' -- "${A[@]}" "${C[@]}" "${json[@]}" -d '{"visit":' "$base/api/visits"
expect "visit not JSON" 415 '' -- "${A[@]}" "${C[@]}" -H 'Content-Type: text/plain' -d "$V" "$base/api/visits"
expect "visit empty body" 400 '' -- "${A[@]}" "${C[@]}" -X POST "$base/api/visits"
expect "visit null" 400 '' -- "${A[@]}" "${C[@]}" "${json[@]}" -d 'null' "$base/api/visits"
expect "visit string" 400 '' -- "${A[@]}" "${C[@]}" "${json[@]}" -d '{"visit":"x"}' "$base/api/visits"
expect "visit bad utf8" 400 '' -- "${A[@]}" "${C[@]}" "${json[@]}" --data-binary $'{"visit":{"imaging_notes":"\xff\xfe"}}' "$base/api/visits"
expect "visit deep nesting" 400 '' -- "${A[@]}" "${C[@]}" "${json[@]}" --data-binary "$(printf '[%.0s' {1..20000})" "$base/api/visits"
expect "visit oversized" 413 'larger' -- "${A[@]}" "${C[@]}" "${json[@]}" --data-binary "@$work/big" "$base/api/visits"
expect "visit pain 11" 400 '"field":"visits.pain_worst"' -- "${A[@]}" "${C[@]}" "${json[@]}" \
  -d '{"visit":{"procedure_id":1,"event":"unscheduled","visit_date":"2024-10-01","pain_worst":11}}' "$base/api/visits"
expect "visit bad date" 400 '"field":"visits.visit_date"' -- "${A[@]}" "${C[@]}" "${json[@]}" \
  -d '{"visit":{"procedure_id":1,"event":"unscheduled","visit_date":"2024-02-30","pain_worst":1}}' "$base/api/visits"
expect "visit unknown column" 400 '"field":"visits.nope"' -- "${A[@]}" "${C[@]}" "${json[@]}" \
  -d '{"visit":{"procedure_id":1,"nope":1}}' "$base/api/visits"
expect "visit computed column" 400 '"field":"visits.id"' -- "${A[@]}" "${C[@]}" "${json[@]}" -d '{"visit":{"id":5}}' "$base/api/visits"
expect "visit boolean" 400 '' -- "${A[@]}" "${C[@]}" "${json[@]}" -d '{"visit":{"pain_worst":true}}' "$base/api/visits"
expect "visit huge number" 400 '' -- "${A[@]}" "${C[@]}" "${json[@]}" \
  -d '{"visit":{"procedure_id":1e999,"event":"unscheduled","visit_date":"2024-10-01"}}' "$base/api/visits"
expect "visit unknown procedure" 400 '' -- "${A[@]}" "${C[@]}" "${json[@]}" \
  -d '{"visit":{"procedure_id":424242,"event":"unscheduled","visit_date":"2024-10-01","pain_worst":1}}' "$base/api/visits"
visits_before=$(curl -s "${A[@]}" "$base/api/patients/1" | grep -o '"event"' | wc -l)
expect "visit unknown drug" 400 'analgesics' -- "${A[@]}" "${C[@]}" "${json[@]}" \
  -d '{"visit":{"procedure_id":1,"event":"unscheduled","visit_date":"2024-10-02","pain_worst":1},"analgesics":[{"drug":"unobtainium","route":"oral","daily_dose":1}]}' "$base/api/visits"
visits_after=$(curl -s "${A[@]}" "$base/api/patients/1" | grep -o '"event"' | wc -l)
[[ $visits_before == "$visits_after" ]] && ok || bad "a refused form left a visit behind ($visits_before -> $visits_after)"
expect "visit QLQ item out of range" 400 'qlq_c30' -- "${A[@]}" "${C[@]}" "${json[@]}" \
  -d '{"visit":{"procedure_id":1,"event":"unscheduled","visit_date":"2024-10-01","pain_worst":1,"qlq_c30":[9]}}' "$base/api/visits"
expect "visit read-only role" 403 'read-only' -- -b "$work/rob.jar" -H "X-CSRF-Token: $rob" "${json[@]}" -d "$V" "$base/api/visits"
expect "visit physicist role" 403 'physicist' -- -b "$work/phil.jar" -H "X-CSRF-Token: $phil" "${json[@]}" -d "$V" "$base/api/visits"
expect "visit ok" 201 '"id":' -- "${A[@]}" "${C[@]}" "${json[@]}" -d "$V" "$base/api/visits"
expect "visit by data manager" 201 '' -- -b "$work/dora.jar" -H "X-CSRF-Token: $dora" "${json[@]}" \
  -d '{"visit":{"procedure_id":2,"event":"unscheduled","visit_date":"2024-10-03","pain_worst":4}}' "$base/api/visits"
"$kiort" registry audit --db "$work/r.db" --table visits | grep -q '^[0-9]*,ann,' && ok || bad "audit trail lacks ann"
"$kiort" registry audit --db "$work/r.db" --table analgesics | grep -q ',ann,' && ok || bad "analgesic audit lacks ann"
"$kiort" registry audit --db "$work/r.db" --table visits | grep -q ',dora,' && ok || bad "audit trail lacks dora"
expect "audit via API" 200 '"user":"ann"' -- "${A[@]}" "$base/api/audit?table=visits"

# Plans: list, details, slices (PNG), bad parameters 400, traversal 404, approval by role.
expect "plans" 200 '"id":"fast"' -- "${A[@]}" "$base/api/plans"
expect "plan" 200 '"second_check"' -- "${A[@]}" "$base/api/plans/fast"
expect "plan unknown" 404 '' -- "${A[@]}" "$base/api/plans/nope"
expect "plan traversal" 404 '' -- "${A[@]}" "$base/api/plans/..%2F..%2Fetc"
expect "plan dotdot" 404 '' -- "${A[@]}" "$base/api/plans/.."
curl -s "${A[@]}" -o "$work/s.png" "$base/api/plans/fast/slice?axis=axial&index=27&wl=400,40"
[[ $(head -c 8 "$work/s.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] && ok || bad "slice is not a PNG"
for axis in sagittal coronal; do expect "slice $axis" 200 '' -- "${A[@]}" -o /dev/null "$base/api/plans/fast/slice?axis=$axis&index=20"; done
expect "slice bad axis" 400 'axis' -- "${A[@]}" "$base/api/plans/fast/slice?axis=oblique"
expect "slice index range" 400 'index' -- "${A[@]}" "$base/api/plans/fast/slice?axis=axial&index=100000"
expect "slice negative" 400 'index' -- "${A[@]}" "$base/api/plans/fast/slice?axis=axial&index=-1"
expect "slice not a number" 400 'index' -- "${A[@]}" "$base/api/plans/fast/slice?axis=axial&index=abc"
expect "slice fraction" 400 'index' -- "${A[@]}" "$base/api/plans/fast/slice?axis=axial&index=2.5"
expect "slice bad wl" 400 'wl' -- "${A[@]}" "$base/api/plans/fast/slice?axis=axial&wl=400"
expect "slice zero window" 400 '' -- "${A[@]}" "$base/api/plans/fast/slice?axis=axial&wl=0,40"
expect "slice nan" 400 '' -- "${A[@]}" "$base/api/plans/fast/slice?axis=axial&wl=nan,40"
# Plan review (issue 20): the point readout, markers and view geometry in the details; a changed
# plan folder is noticed (the slice is drawn from the new dose, not a cached one); documents only
# by listed name and only once approved; approval needs the physicist's password again and stores
# a comment. Bad requests are 4xx, never 500.
expect "plan views and markers" 200 '"labels":\{"bottom":"P","left":"R","right":"L","top":"A"\}.*' -- "${A[@]}" "$base/api/plans/fast"
curl -s "${A[@]}" "$base/api/plans/fast" | python3 -c '
import json,sys; d=json.load(sys.stdin); k=[m["kind"] for m in d["markers"]]
assert "applicator" in k and "dwell" in k and "prescription" in k, k
assert all(set(m["views"]) == {"axial","sagittal","coronal"} for m in d["markers"])' && ok || bad "markers lack a kind or a view"
expect "point" 200 '"dose_gy":[0-9.e+-]+.*"structures":\[' -- "${A[@]}" "$base/api/plans/fast/point?axis=axial&index=27&u=20&v=20"
expect "point sagittal" 200 '"voxel":\[' -- "${A[@]}" "$base/api/plans/fast/point?axis=sagittal&index=20&u=10&v=10"
expect "point u not a number" 400 '"field":"u"' -- "${A[@]}" "$base/api/plans/fast/point?axis=axial&index=27&u=abc&v=1"
expect "point u outside" 400 '"field":"u"' -- "${A[@]}" "$base/api/plans/fast/point?axis=axial&index=27&u=100000&v=1"
expect "point v negative" 400 '"field":"v"' -- "${A[@]}" "$base/api/plans/fast/point?axis=axial&index=27&u=1&v=-1"
expect "point index outside" 400 'index' -- "${A[@]}" "$base/api/plans/fast/point?axis=axial&index=100000&u=1&v=1"
expect "point no u" 400 '"field":"u"' -- "${A[@]}" "$base/api/plans/fast/point?axis=axial&index=1&v=1"
expect "point bad axis" 400 'axis' -- "${A[@]}" "$base/api/plans/fast/point?axis=oblique&index=1&u=1&v=1"
expect "point unknown plan" 404 '' -- "${A[@]}" "$base/api/plans/nope/point?axis=axial&index=1&u=1&v=1"
expect "point no session" 401 '' -- "$base/api/plans/fast/point?axis=axial&index=1&u=1&v=1"
expect "document not listed" 404 '' -- "${A[@]}" "$base/api/plans/fast/documents/plan.json"
expect "document traversal" 404 '' -- "${A[@]}" "$base/api/plans/fast/documents/..%2Fplan.json"
expect "document dicom traversal" 404 '' -- "${A[@]}" "$base/api/plans/fast/documents/dicom/..%2F..%2Fplan.json"
# The cache notices a recomputed plan: twice the prescription moves every isodose line.
curl -s "${A[@]}" -o "$work/before.png" "$base/api/plans/fast/slice?axis=axial&index=27&wl=400,40"
"$kiort" -q plan create --phantom L1 --voxel-mm 2 --engine water --from surface --dose 16 --out "$work/plans/fast/plan.json" >/dev/null 2>&1 &&
  "$kiort" -q plan compute "$work/plans/fast/plan.json" --out "$work/plans/fast" >/dev/null || bad "recompute fast"
plan_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/plans/fast/plan.json")
"$kiort" -q registry add level --db "$work/r.db" --user setup --procedure_id 2 --level C7 --plan_id "$plan_id" >/dev/null || bad "add level"
curl -s "${A[@]}" -o "$work/after.png" "$base/api/plans/fast/slice?axis=axial&index=27&wl=400,40"
cmp -s "$work/before.png" "$work/after.png" && bad "the slice of a recomputed plan is the cached one" || ok
expect "plan after recompute" 200 '"dose_gy":16' -- "${A[@]}" "$base/api/plans/fast"
"$kiort" -q report "$work/plans/fast/plan.json" --out "$work/plans/fast/report.pdf" --dicom-out "$work/plans/fast/dicom" >/dev/null 2>&1 || bad "kiort report"
expect "documents of a draft" 409 'approve' -- "${A[@]}" "$base/api/plans/fast/documents/report.pdf"
cp "$work/plans/fast/dicom/RTPLAN.dcm" "$work/draft-rtplan.dcm"
P=(-b "$work/phil.jar" -H "X-CSRF-Token: $phil" "${json[@]}")
expect "approve physician" 403 'physician' -- "${A[@]}" "${C[@]}" "${json[@]}" -d '{"password":"password-ann"}' "$base/api/plans/fast/approve"
expect "approve no CSRF" 403 'CSRF' -- -b "$work/phil.jar" "${json[@]}" -d '{"password":"password-phil"}' "$base/api/plans/fast/approve"
expect "approve without password" 400 '"field":"password"' -- "${P[@]}" -d '{}' "$base/api/plans/fast/approve"
expect "approve password not a string" 400 '"field":"password"' -- "${P[@]}" -d '{"password":7}' "$base/api/plans/fast/approve"
expect "approve wrong password" 403 '"field":"password"' -- "${P[@]}" -d '{"password":"not-phils","comment":"x"}' "$base/api/plans/fast/approve"
expect "approve comment not a string" 400 '"field":"comment"' -- "${P[@]}" -d '{"password":"password-phil","comment":["x"]}' "$base/api/plans/fast/approve"
long=$(python3 -c 'print("x"*2001)')
expect "approve comment too long" 400 '"field":"comment"' -- "${P[@]}" -d "{\"password\":\"password-phil\",\"comment\":\"$long\"}" "$base/api/plans/fast/approve"
expect "approve not JSON" 400 '' -- "${P[@]}" -d 'password=password-phil' "$base/api/plans/fast/approve"
grep -q '"state": "draft"' "$work/plans/fast/plan.json" && ok || bad "a refused approval changed plan.json"
expect "approve physicist" 200 '"documents_rewrite":\{"attempted":true,"error":null,"ok":true,"written":\["report.pdf".*"registry_levels":\[[0-9]+\]' -- "${P[@]}" -d '{"password":"password-phil","comment":"DVH and cord dose reviewed"}' "$base/api/plans/fast/approve"
expect "approve twice" 400 'approved' -- "${P[@]}" -d '{"password":"password-phil"}' "$base/api/plans/fast/approve"
grep -q '"comment": "DVH and cord dose reviewed"' "$work/plans/fast/plan.json" && ok || bad "the comment is not in plan.json"
expect "plan approved with comment" 200 '"comment":"DVH and cord dose reviewed".*"state":"approved"' -- "${A[@]}" "$base/api/plans/fast"
expect "documents listed" 200 '"documents":\[\{"bytes":[0-9]+,"name":"report.pdf"\}.*"name":"dicom/RTPLAN.dcm"' -- "${A[@]}" "$base/api/plans/fast"
expect "report.pdf" 200 '' -- -b "$work/rob.jar" -o "$work/report.pdf" "$base/api/plans/fast/documents/report.pdf"
[[ $(head -c 4 "$work/report.pdf") == %PDF ]] && ok || bad "report.pdf is not a PDF"
curl -s -D "$work/h.txt" -b "$work/rob.jar" -o "$work/rtplan.dcm" "$base/api/plans/fast/documents/dicom/RTPLAN.dcm"
[[ $(dd if="$work/rtplan.dcm" bs=1 skip=128 count=4 2>/dev/null) == DICM ]] && ok || bad "RTPLAN.dcm is not DICOM"
grep -qi 'content-disposition: attachment; filename="RTPLAN.dcm"' "$work/h.txt" && ok || bad "no attachment header: $(cat "$work/h.txt")"
# Issue 20: the served documents are the approved plan's, written again at the approval (they
# were the draft's): the PDF names the approver, the RT Plan is APPROVED under a new UID.
pdftotext "$work/report.pdf" "$work/report.txt" && grep -q 'APPROVED by phil at' "$work/report.txt" && ok || bad "served report.pdf lacks 'APPROVED by phil'"
grep -q 'DRAFT' "$work/report.txt" && bad "served report.pdf still says DRAFT" || ok
dcmdump +P 300e,0002 "$work/rtplan.dcm" | grep -q '\[APPROVED\]' && ok || bad "served RTPLAN.dcm is not APPROVED: $(dcmdump +P 300e,0002 "$work/rtplan.dcm")"
[[ $(dcmdump +P 0008,0018 "$work/rtplan.dcm") != $(dcmdump +P 0008,0018 "$work/draft-rtplan.dcm") ]] && ok || bad "served RTPLAN.dcm has the draft's SOP Instance UID"
expect "document unknown dicom" 404 '' -- "${A[@]}" "$base/api/plans/fast/documents/dicom/NOPE.dcm"
expect "document no session" 401 '' -- "$base/api/plans/fast/documents/report.pdf"
grep -q '"by": "phil"' "$work/plans/fast/plan.json" && ok || bad "plan.json not approved by phil"
"$kiort" registry audit --db "$work/r.db" --table levels | grep -q ',phil,.*plan_checksum' && ok || bad "approval not in the registry's audit trail"
"$kiort" -q plan show "$work/plans/fast/plan.json" >/dev/null 2>&1 && ok || bad "approved plan.json does not load"

# A rewrite at the approval that fails (the commissioned source the plan names has gone): the
# approval stands, the old documents are listed stale with the reason and are not served.
mkdir -p "$work/plans/broken"
"$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --out "$work/plans/broken/plan.json" >/dev/null 2>&1 &&
  "$kiort" -q plan compute "$work/plans/broken/plan.json" --out "$work/plans/broken" >/dev/null &&
  "$kiort" -q report "$work/plans/broken/plan.json" --out "$work/plans/broken/report.pdf" --dicom-out "$work/plans/broken/dicom" >/dev/null 2>&1 || bad "broken plan setup"
python3 -c 'import json,sys; p=sys.argv[1]; s=json.load(open(p)); s["source"]="/nonexistent/source.json"; json.dump(s, open(p,"w"), indent=2)' "$work/plans/broken/plan.json"
expect "approve, rewrite fails" 200 '"documents_rewrite":\{"attempted":true,"error":"[^"]*no such commissioned source[^"]*","ok":false' -- "${P[@]}" -d '{"password":"password-phil"}' "$base/api/plans/broken/approve"
grep -q '"state": "approved"' "$work/plans/broken/plan.json" && ok || bad "a failed rewrite undid the approval"
expect "stale documents listed" 200 '"name":"report.pdf","stale":"rewriting it for the approval failed' -- "${A[@]}" "$base/api/plans/broken"
expect "stale report.pdf not served" 409 'not the approved plan' -- "${A[@]}" "$base/api/plans/broken/documents/report.pdf"
expect "stale RTPLAN not served" 409 'not the approved plan' -- "${A[@]}" "$base/api/plans/broken/documents/dicom/RTPLAN.dcm"
[[ -e $work/plans/broken/.documents-rewrite ]] && bad "a failed rewrite left its staging folder" || ok

# Logout ends the session.
expect "logout" 200 '' -- "${A[@]}" "${C[@]}" "${json[@]}" -d '{}' "$base/api/logout"
expect "after logout" 401 '' -- "${A[@]}" "$base/api/me"

# Nothing above may have been answered with a 500 or crashed the server.
grep -q 'internal fault' "$work/serve.err" && bad "server logged an internal fault: $(grep 'internal fault' "$work/serve.err")" || ok
kill -0 "$server_pid" 2>/dev/null && ok || bad "server died"
kill "$server_pid"; wait "$server_pid"; rc=$?; server_pid=
[[ $rc == 0 ]] && ok || bad "server exit status $rc after SIGTERM"

echo "serve api: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
