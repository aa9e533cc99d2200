#!/usr/bin/env bash
# kiort registry as a user runs it: init, add/edit, import (good and bad), check, due, export,
# round trip. Everything happens in a temporary folder that is removed at the end.
set -u
kiort=$(realpath "$1")
demo=$(realpath "$2")
docs=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kiort_registry_e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
. "$(dirname "$0")/lib.sh"
same() {  # same NAME FILE1 FILE2
  if cmp -s "$2" "$3"; then passes=$((passes+1)); else echo "FAIL $1: $2 and $3 differ"; fails=$((fails+1)); fi
}

R=("$kiort" registry --user e2e)
check no-registry-yet 2 'no registry database' -- "${R[@]}" list patients
[[ ! -e kiort.db ]] && passes=$((passes+1)) || { echo "FAIL a failed command created kiort.db"; fails=$((fails+1)); }
check init 0 'schema version 6' -- "${R[@]}" init
check init-again 0 'schema version 6' -- "${R[@]}" init
check add-patient 0 'added patient 1' -- "${R[@]}" add patient --pseudonym HD-0001 --sex female \
  --birth_year 1960 --primary_site breast --histology ductal --spinal_met_dx_date 2024-01-01 \
  --kps 80 --ecog 1 --sins_location junctional --sins_pain mechanical --sins_lesion lytic \
  --sins_alignment normal --sins_collapse lt50 --sins_posterolateral none
check sins-computed 0 ',10,' -- "${R[@]}" list patients
check add-procedure 0 'added procedure 1' -- "${R[@]}" add procedure --patient_id 1 \
  --procedure_date 2024-01-10 --surgeon "Dr A" --physicist "Dr B"
check add-level 0 'added level 1' -- "${R[@]}" add level --procedure_id 1 --level T12 \
  --access bilateral --kv 50 --applicator needle --dose_gy 8 --ref_depth_mm 5 --plan_id P1 \
  --cement_volume_ml 3 --dwell_json '[{"position_mm":0,"time_s":90}]'
check bad-level 2 'level.*S1' -- "${R[@]}" add level --procedure_id 1 --level S1
check unknown-patient 2 'unknown patient' -- "${R[@]}" add procedure --patient_id 9 --procedure_date 2024-01-10
check add-visit 0 'added visit 1' -- "${R[@]}" add visit --procedure_id 1 --event postop \
  --visit_date 2024-01-11 --pain_worst 5
check add-analgesic 0 'added analgesic 1' -- "${R[@]}" add analgesic --visit_id 1 --drug morphine \
  --route oral --daily_dose 30
check add-leak 0 'added complication 1' -- "${R[@]}" add complication --procedure_id 1 --level T12 \
  --type cement_leak --leak_location paravertebral --ctcae_grade 1 --severity minor --onset_date 2024-01-10
# The last contact follows the visits: the post-op visit made the patient's vital status.
check last-contact 0 '^1,1,2024-01-11,' -- "${R[@]}" list vital_status
check add-vital-twice 2 '' -- "${R[@]}" add vital-status --patient_id HD-0001 --last_contact_date 2024-03-01
check edit-vital 0 'updated vital-status 1' -- "${R[@]}" edit vital-status --id 1 --last_contact_date 2024-03-01
check unknown-pseudonym 2 'unknown patient' -- "${R[@]}" add procedure --patient_id HD-9999 --procedure_date 2024-01-10
check edit-visit 0 'updated visit 1' -- "$kiort" registry --user alice edit visit --id 1 --pain_worst 4 --reason "read from the paper form"
check audit-edit 0 'alice,.*,visits,1,update,pain_worst,5,4' -- "${R[@]}" audit --table visits
check audit-reason 0 'alice,.*,visits,1,reason,update,,read from the paper form' -- "${R[@]}" audit --table visits
check delete-analgesic 0 'deleted analgesic 1' -- "${R[@]}" delete analgesic --id 1
check audit-delete 0 'analgesics,1,delete,daily_dose,30,' -- "${R[@]}" audit --table analgesics
check check-clean 0 '^0 violations' -- "${R[@]}" check --today 2025-01-01
check due 0 'HD-0001 .* w2 .*overdue by 5 days' -- "${R[@]}" due --date 2024-02-05
check due-m1 0 'm1 .*due$' -- "${R[@]}" due --date 2024-02-05
check due-json 0 '"status": "overdue"' -- "${R[@]}" due --date 2024-02-05 --json
# The entry rules (the same as the web form's): a visit before surgery, a second post-op visit, a
# future date and a visit without pain are refused, every reason named; outside the window needs
# --confirm.
check add-visit-early 2 'visits.visit_date.*before surgery' -- "${R[@]}" add visit --procedure_id 1 --event w2 \
  --visit_date 2024-01-05 --pain_worst 2
check add-visit-dup 2 'second visit for the same event' -- "${R[@]}" add visit --procedure_id 1 --event postop \
  --visit_date 2024-01-12 --pain_worst 2
check add-visit-future 2 'in the future' -- "${R[@]}" add visit --procedure_id 1 --event m6 \
  --visit_date 2099-01-01 --pain_worst 2
check add-visit-nopain 2 'no pain score' -- "${R[@]}" add visit --procedure_id 1 --event m1 --visit_date 2024-02-09
check add-visit-window 2 'needs confirmation.*outside the w2 window' -- "${R[@]}" add visit --procedure_id 1 --event w2 \
  --visit_date 2024-02-20 --pain_worst 2
check add-visit-confirm 0 'added visit 2' -- "${R[@]}" add visit --procedure_id 1 --event w2 \
  --visit_date 2024-02-20 --pain_worst 2 --confirm
check edit-visit-early 2 'before surgery' -- "${R[@]}" edit visit --id 2 --visit_date 2024-01-05
# Behind kiort's back (raw SQL), `check` still finds such a row.
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE visits SET visit_date=? WHERE id=2", ("2024-01-05",)); c.commit()' kiort.db
check check-violations 3 'date_order\] patient HD-0001, form visit #2, field visit_date' -- "${R[@]}" check --today 2025-01-01
check check-json 3 '"rule": "window"' -- "${R[@]}" check --json --today 2025-01-01

# The demo cohort, a bad row, and a round trip.
D=("$kiort" registry --db demo.db --user e2e)
check demo-init 0 '' -- "${D[@]}" init
check demo-import 0 'imported 166 rows' -- "${D[@]}" import --csv "$demo"
check demo-check 0 '^0 violations' -- "${D[@]}" check --today 2026-01-01
check demo-due 0 'SYNB-007 .* m6 .* due' -- "${D[@]}" due --date 2024-12-10
# A published series entered only as its abstract reports it (tests/e2e/published-series): no
# error, only completeness and warnings; every JSON finding carries its severity.
pub=$(realpath "$(dirname "$0")/published-series")
PB=("$kiort" registry --db pub.db --user e2e)
check pub-init 0 '' -- "${PB[@]}" init
check pub-import 0 'imported 64 rows' -- "${PB[@]}" import --csv "$pub"
check pub-check-no-error 0 '\(0 errors, 9 warnings, [0-9]+ completeness\)' -- "${PB[@]}" check --today 2026-01-01
"${PB[@]}" check --json --today 2026-01-01 >pub.json
python3 -c "
import json, sys
v = json.load(open('pub.json'))
sev = {x['severity'] for x in v}
leak = [x for x in v if x['form'] == 'complication' and x['field'] == 'leak_location']
sys.exit(0 if sev == {'warning', 'completeness'} and len(leak) == 4 and all(x['severity'] == 'completeness' for x in leak) else 1)
" && passes=$((passes+1)) || { echo "FAIL published series: severities or leak findings wrong"; fails=$((fails+1)); }
cp -r "$demo" bad
sed -i '4s/,2024-0[0-9]-[0-9][0-9],/,2024-02-30,/' bad/visits.csv
check empty-init 0 '' -- "$kiort" registry --db empty.db init
check bad-import 2 'visits.csv:4: column 4 \(visit_date\): not a calendar date: got .2024-02-30.' -- \
  "$kiort" registry --db empty.db import --csv bad
# The entry rules hold for an import: a visit dated in the future is refused with its file:line.
cp -r "$demo" future
sed -i '4s/,2024-0[0-9]-[0-9][0-9],/,2099-01-02,/' future/visits.csv
check future-import 2 'visits.csv:4: visits.visit_date: refused by the registry.s rules \(date_order\)' -- \
  "$kiort" registry --db empty.db import --csv future
check bad-import-unchanged 0 '^id,pseudonym' -- "$kiort" registry --db empty.db list patients
n=$("$kiort" registry --db empty.db list patients | wc -l)
[[ $n -eq 1 ]] && passes=$((passes+1)) || { echo "FAIL bad import left $((n-1)) patients"; fails=$((fails+1)); }
check export 0 'exported 10 files' -- "${D[@]}" export --csv out1
check round-trip-init 0 '' -- "$kiort" registry --db copy.db init
check round-trip-import 0 'imported' -- "$kiort" registry --db copy.db import --csv out1
check round-trip-export 0 '' -- "$kiort" registry --db copy.db export --csv out2
for t in patients procedures levels visit_schedule visits opioid_conversion analgesics complications vital_status; do
  same "round trip $t" "out1/$t.csv" "out2/$t.csv"
done
# The audit trail travels: out2's audit.csv is out1's byte for byte plus one line, the import by
# the OS user (no --user given here).
n1=$(wc -c <out1/audit.csv)
cmp -s out1/audit.csv <(head -c "$n1" out2/audit.csv) && ok || fail "round trip: the exported audit trail was rewritten"
added=$(tail -c +"$((n1 + 1))" out2/audit.csv)
[[ $(wc -l <<<"$added") -eq 1 && $added == *",$(id -un),"*",registry,0,import,"* ]] && ok ||
  fail "round trip: expected one import line by $(id -un), got: $added"
grep -q '^[0-9]*,e2e,.*,patients,1,insert,pseudonym,,SYNA-001$' out2/audit.csv && ok ||
  fail "round trip: the original import's entries (user e2e) are not kept"
check redcap 0 'exported' -- "${D[@]}" export --redcap redcap.csv
check redcap-events 0 'SYNA-001,m6_arm_1' -- cat redcap.csv
check redcap-dictionary 0 'exported' -- "${D[@]}" export --redcap-dictionary dict.csv
# One dictionary row per flat field (the flat header minus its three redcap_ bookkeeping columns).
[[ $(($(wc -l <dict.csv) - 1)) -eq $(($(head -1 redcap.csv | tr ',' '\n' | wc -l) - 3)) ]] && ok ||
  fail "the REDCap dictionary does not have one row per flat field"
check export-needs-target 2 '' -- "${D[@]}" export
# REDCap back into kiort: import the flat file into a fresh registry, export it again, the same
# bytes (the flat file carries no audit trail; the import is audited as inserts by the user).
RC=("$kiort" registry --db redcap.db --user e2e-redcap)
check redcap-init 0 'schema version' -- "${RC[@]}" init
check redcap-import 0 'imported [0-9]* rows from redcap.csv' -- "${RC[@]}" import --redcap redcap.csv
check redcap-export-again 0 'exported' -- "${RC[@]}" export --redcap redcap2.csv
same redcap-round-trip redcap.csv redcap2.csv
check redcap-import-twice 2 'redcap.csv:2: .*pseudonym' -- "${RC[@]}" import --redcap redcap.csv
check redcap-audit 0 'e2e-redcap,.*,patients,[0-9]*,insert,pseudonym,,SYNA-001' -- "${RC[@]}" audit --table patients
check import-needs-one-source 2 '' -- "${RC[@]}" import
# The same commands on PostgreSQL, when its server binaries are here: a throwaway cluster in a
# temporary folder, listening only on a unix socket there, stopped and removed at the end.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -n ${KIORT_PG_BIN:-} ]]; then pgbin=$KIORT_PG_BIN; fi
if [[ -x $pgbin/initdb ]]; then
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/kiort_pg_e2e.XXXXXX")
  as=()
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$pgdir"; as=(runuser -u postgres --); fi
  stop_pg() { "${as[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1; rm -rf "$pgdir"; }
  trap 'stop_pg; rm -rf "$tmp"' EXIT
  if "${as[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1 &&
     "${as[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
       -o "-c listen_addresses='' -k $pgdir -p 5432 -F" start >/dev/null 2>&1; then
    PG="postgresql:///postgres?host=$pgdir&port=5432&user=postgres"
    P=("$kiort" registry --db "$PG" --user e2e)
    check pg-not-initialised 2 'not an initialised kiort registry' -- "${P[@]}" list patients
    check pg-init 0 'postgresql, schema version 6' -- "${P[@]}" init
    check pg-bad-import 2 'visits.csv:4: column 4 \(visit_date\)' -- "${P[@]}" import --csv bad
    n=$("${P[@]}" list patients | wc -l)
    [[ $n -eq 1 ]] && passes=$((passes+1)) || { echo "FAIL pg bad import left $((n-1)) patients"; fails=$((fails+1)); }
    check pg-import 0 'imported 166 rows' -- "${P[@]}" import --csv "$demo"
    check pg-check 0 '^0 violations' -- "${P[@]}" check --today 2026-01-01
    check pg-due 0 'SYNB-007 .* m6 .* due' -- "${P[@]}" due --date 2024-12-10
    check pg-export 0 'exported 10 files' -- "${P[@]}" export --csv pgout
    for t in patients procedures levels visit_schedule visits opioid_conversion analgesics complications vital_status; do
      same "sqlite and postgresql export the same $t" "out1/$t.csv" "pgout/$t.csv"
    done
    check pg-add 0 'added visit 55' -- "${P[@]}" add visit --procedure_id 7 --event m6 --visit_date 2024-12-04 --pain_worst 1
    check pg-edit 0 'updated visit 55' -- "$kiort" registry --db "$PG" --user bob edit visit --id 55 --pain_worst 0
    check pg-audit 0 'bob,.*,visits,55,update,pain_worst,1,0' -- "${P[@]}" audit --table visits --id 55
  else
    echo "FAIL could not start a throwaway PostgreSQL cluster: $(tail -3 "$tmp/initdb.log" "$pgdir/server.log" 2>/dev/null)"
    fails=$((fails+1))
  fi
else
  echo "note: PostgreSQL server binaries not found; the PostgreSQL part of this test did not run"
fi

# docs/registry.md's column section is the output of `kiort registry schema`.
if diff <(sed -n '/^## Columns$/,$p' "$docs" | tail -n +5) <("$kiort" registry schema) >/dev/null; then
  passes=$((passes+1))
else
  echo "FAIL docs/registry.md columns differ from kiort registry schema"; fails=$((fails+1))
fi
echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
