#!/usr/bin/env bash
# kiort serve's entry API (issue 20) as a client sees it (curl), on the demo cohort: visits refused
# by the registry's entry rules with every field named (400), a visit outside its window waiting
# for confirmation (409), Idempotency-Key replays, corrections (PUT) and deletions (DELETE, data
# manager) with their reason in the audit trail and the visit's history, vital status, and bad
# requests of every kind answered 4xx, never 500.
set -u
kiort=$1
cohort=$2
. "$(dirname "$0")/lib.sh"
serve_registry "$kiort" "$cohort"
create_users "$kiort" "ann physician" "dora data-manager"
start_server "$kiort" "$work" --db "$work/r.db"

json=(-H 'Content-Type: application/json')
A=(-b "$work/ann.jar" -H "X-CSRF-Token: $(login ann)" "${json[@]}")
D=(-b "$work/dora.jar" -H "X-CSRF-Token: $(login dora)" "${json[@]}")
post() { expect "$1" "$2" "$3" -- "${A[@]}" -d "$4" "$base/api/visits"; }

# Procedure 6: 2024-05-06, patient 6 alive (last contact 2025-03-31); late_1 window 2025-04-05 to
# 2025-06-04. Procedure 5: patient 5 died 2024-11-08.
post "future date" 400 '"field":"visits.visit_date".*in the future' \
  '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2099-01-01","pain_worst":2}}'
post "before surgery" 400 'before surgery' '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2024-05-01","pain_worst":2}}'
post "after death" 400 'after death' '{"visit":{"procedure_id":5,"event":"late_1","visit_date":"2025-04-10","pain_worst":2}}'
post "no pain" 400 'no pain score' '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2025-05-05"}}'
post "duplicate event" 400 'second visit for the same event' '{"visit":{"procedure_id":6,"event":"m6","visit_date":"2024-11-07","pain_worst":2}}'
post "all at once" 400 '"errors":\[\{"field":"visits.visit_date"[^]]*"field":"visits.pain_worst"' \
  '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2099-01-01","pain_worst":11}}'
post "missed without reason" 400 'status_reason' '{"visit":{"procedure_id":6,"event":"late_2","visit_date":"2025-11-01","visit_status":"missed"}}'
post "bad analgesic dose" 400 'analgesic 1, daily_dose' \
  '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2025-05-05","pain_worst":2},"analgesics":[{"drug":"morphine","route":"oral","daily_dose":-5}]}'
post "unknown drug" 400 '' \
  '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2025-05-05","pain_worst":2},"analgesics":[{"drug":"nosuchdrug","route":"oral","daily_dose":5}]}'
# A refused analgesic leaves nothing behind: the visit of that form is not there either.
visits_of() {  # visits_of PROCEDURE EVENT: how many visits the procedure has for the event
  curl -s -b "$work/ann.jar" "$base/api/procedures/$1" |
    python3 -c 'import json,sys; print(sum(v["event"] == sys.argv[1] for v in json.load(sys.stdin)["visits"]))' "$2"
}
[[ $(visits_of 6 late_1) == 0 ]] && ok || bad "a refused form left its visit"
post "outside the window" 409 'needs_confirmation.*outside the late_1 window' \
  '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2025-07-01","pain_worst":2}}'
post "confirm not boolean" 400 '"field":"confirm"' '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2025-07-01","pain_worst":2},"confirm":"yes"}'
post "confirmed" 201 '"id":' '{"visit":{"procedure_id":6,"event":"late_1","visit_date":"2025-07-01","pain_worst":2},"confirm":true}'
curl -s -b "$work/ann.jar" "$base/api/patients/6" | grep -q '"last_contact_date":"2025-07-01"' && ok || bad "last contact did not follow the visit"
post "wrong types" 400 '' '{"visit":[]}'
post "unknown part" 400 '"field":"extra"' '{"visit":{},"extra":1}'
post "event an object" 400 '"field":"visits.event"' '{"visit":{"event":{}}}'
post "procedure id a word" 400 '' '{"visit":{"procedure_id":"abc","event":"m1","visit_date":"2024-06-01","pain_worst":1}}'
post "procedure id huge" 400 '' '{"visit":{"procedure_id":99999999999999999999,"event":"m1","visit_date":"2024-06-01","pain_worst":1}}'

# Idempotency-Key: the same key answers the first success again, without a second visit.
V='{"visit":{"procedure_id":8,"event":"unscheduled","visit_date":"2025-01-20","pain_worst":1}}'
first=$(curl -s "${A[@]}" -H 'Idempotency-Key: k-1' -d "$V" "$base/api/visits")
expect "same key again" 201 'Idempotent-Replayed: true' -- "${A[@]}" -H 'Idempotency-Key: k-1' -d "$V" "$base/api/visits"
second=$(curl -s "${A[@]}" -H 'Idempotency-Key: k-1' -d "$V" "$base/api/visits")
[[ $first == "$second" ]] && ok || bad "replay differs: $first / $second"
[[ $(visits_of 8 unscheduled) == 1 ]] && ok || bad "two visits for one key"
expect "same key, other body" 422 'another request' -- "${A[@]}" -H 'Idempotency-Key: k-1' -d '{"visit":{}}' "$base/api/visits"
expect "bad key" 400 'Idempotency-Key' -- "${A[@]}" -H 'Idempotency-Key: a b' -d "$V" "$base/api/visits"
vid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$first")

# Corrections: PUT with a reason.
expect "put no such visit" 404 '' -- "${A[@]}" -X PUT -d '{"visit":{"pain_worst":3},"reason":"x"}' "$base/api/visits/999999"
expect "put bad id" 404 '' -- "${A[@]}" -X PUT -d '{"visit":{"pain_worst":3},"reason":"x"}' "$base/api/visits/abc"
expect "put without reason" 400 '"field":"reason"' -- "${A[@]}" -X PUT -d '{"visit":{"pain_worst":3}}' "$base/api/visits/$vid"
expect "put refused value" 400 'visits.pain_worst' -- "${A[@]}" -X PUT -d '{"visit":{"pain_worst":30},"reason":"x"}' "$base/api/visits/$vid"
expect "put complications" 400 '"field":"complications"' -- "${A[@]}" -X PUT -d '{"visit":{},"complications":[],"reason":"x"}' "$base/api/visits/$vid"
expect "put reason not text" 400 '"field":"reason"' -- "${A[@]}" -X PUT -d '{"visit":{"pain_worst":3},"reason":5}' "$base/api/visits/$vid"
expect "put" 200 '"pain_worst":"3"' -- "${A[@]}" -X PUT -d '{"visit":{"pain_worst":3},"reason":"read from the paper form"}' "$base/api/visits/$vid"
expect "history" 200 '"action":"reason","changed_at".*|"action":"reason"' -- -b "$work/ann.jar" "$base/api/visits/$vid/history"
expect "history has the reason" 200 'read from the paper form' -- -b "$work/ann.jar" "$base/api/visits/$vid/history"
expect "audit has the reason" 200 '"new_value":"read from the paper form"' -- -b "$work/ann.jar" "$base/api/audit?table=visits&id=$vid"
expect "history of nothing" 404 '' -- -b "$work/ann.jar" "$base/api/visits/999999/history"

# Deletion: the data manager, with a reason.
expect "physician may not delete" 403 '' -- "${A[@]}" -X DELETE -d '{"reason":"x"}' "$base/api/visits/$vid"
expect "delete without reason" 400 '"field":"reason"' -- "${D[@]}" -X DELETE -d '{}' "$base/api/visits/$vid"
expect "delete blank reason" 400 '"field":"reason"' -- "${D[@]}" -X DELETE -d '{"reason":"  "}' "$base/api/visits/$vid"
expect "delete not JSON" 415 '' -- -b "$work/dora.jar" -H "X-CSRF-Token: $(login dora)" -X DELETE "$base/api/visits/$vid"
D=(-b "$work/dora.jar" -H "X-CSRF-Token: $(login dora)" "${json[@]}")
expect "delete" 200 '"deleted":true' -- "${D[@]}" -X DELETE -d '{"reason":"entered for the wrong patient"}' "$base/api/visits/$vid"
expect "delete again" 404 '' -- "${D[@]}" -X DELETE -d '{"reason":"again"}' "$base/api/visits/$vid"
expect "history after delete" 200 'entered for the wrong patient.*|"action":"delete"' -- -b "$work/ann.jar" "$base/api/visits/$vid/history"
expect "visit gone" 404 '' -- -b "$work/ann.jar" "$base/api/visits/$vid"

# Vital status.
VS=(-X PUT "$base/api/patients/6/vital-status")
expect "death before a visit" 400 '"field":"vital_status.death_date".*after death' -- "${A[@]}" -d '{"death_date":"2024-06-01","reason":"GP letter"}' "${VS[@]}"
expect "death future" 400 'in the future' -- "${A[@]}" -d '{"death_date":"2099-06-01","reason":"GP letter"}' "${VS[@]}"
expect "death bad date" 400 'vital_status.death_date' -- "${A[@]}" -d '{"death_date":"2025-02-30","reason":"GP letter"}' "${VS[@]}"
expect "vital unknown field" 400 '"field":"vital_status.patient_id"' -- "${A[@]}" -d '{"patient_id":1}' "${VS[@]}"
expect "vital change without reason" 400 '"field":"reason"' -- "${A[@]}" -d '{"death_date":"2025-08-01"}' "${VS[@]}"
expect "vital no such patient" 404 '' -- "${A[@]}" -X PUT -d '{"death_date":"2025-08-01"}' "$base/api/patients/999/vital-status"
expect "death entered" 200 '"death_date":"2025-08-01"' -- "${A[@]}" -d '{"death_date":"2025-08-01","death_cause":"progression","last_contact_date":"2025-08-01","reason":"GP letter"}' "${VS[@]}"
post "visit after the new death" 400 'after death' '{"visit":{"procedure_id":6,"event":"late_2","visit_date":"2025-11-01","pain_worst":2}}'

# The procedure for the form's heading.
expect "procedure" 200 '"pseudonym"' -- -b "$work/ann.jar" "$base/api/procedures/6"
expect "procedure bad id" 404 '' -- -b "$work/ann.jar" "$base/api/procedures/x"
expect "procedure none" 404 '' -- -b "$work/ann.jar" "$base/api/procedures/424242"
expect "forms windows" 200 '"window_before"' -- -b "$work/ann.jar" "$base/api/forms"

grep -q 'internal fault' "$work/serve.err" && bad "server logged an internal fault: $(grep 'internal fault' "$work/serve.err")" || ok
kill -0 "$server_pid" 2>/dev/null && ok || bad "server died"
echo "serve entry: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
