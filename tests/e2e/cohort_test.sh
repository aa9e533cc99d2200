#!/usr/bin/env bash
# kiort cohort report as a user runs it, on the shipped synthetic demo cohort: bad input, the
# default (no --db), the PDF checked with poppler (page count, non-blank pages and figures, the
# key numbers in its text), and the median overall survival cross-checked against `kiort stats km`
# on the CSV the report exports, on a copy of the cohort where the median is reached; on
# PostgreSQL too where its server binaries are installed.
set -u
kiort=$(realpath "$1")
demo=$(realpath "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kiort_cohort_e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
. "$(dirname "$0")/lib.sh"
for tool in pdfinfo pdftoppm pdftotext python3; do
  command -v $tool >/dev/null || { echo "FAIL $tool not found (poppler-utils, python3: scripts/install-deps)"; exit 1; }
done

# Fraction of non-white pixels of a PNG (8-bit RGB/RGBA/grey, as cairo and pdftoppm write them).
nonwhite() {
  python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w, h, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8, "only 8-bit PNGs"
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
chans = 1 if bpp <= 2 else 3
dark = sum(1 for r in rows for x in range(0, stride, bpp) if min(r[x:x + chans]) < 240)
print(f"{dark / (w * h):.4f}")
PY
}

# ---- Bad input: exit 2, a clear message, nothing written.
check no-out 2 'out' -- "$kiort" cohort report
check missing-db 2 'no registry database' -- "$kiort" cohort report --db nope.db --out bad
[[ ! -e bad/cohort-report.pdf ]] && ok || fail "a failed report left bad/cohort-report.pdf"
"$kiort" registry --db empty.db init >/dev/null
check empty-registry 2 'no procedure' -- "$kiort" cohort report --db empty.db --out bad
[[ ! -e bad/cohort-report.md ]] && ok || fail "a report on an empty registry left a file"

# ---- The default: a temporary registry from the shipped synthetic cohort.
out=$("$kiort" cohort report --out rep 2>&1); rc=$?
[[ $rc -eq 0 ]] && ok || fail "default report: exit $rc: $out"
grep -q 'SYNTHETIC' <<<"$out" && ok || fail "default report does not say the data are synthetic: $out"
for f in rep/cohort-report.md rep/cohort-report.pdf rep/overall-survival.csv rep/figures/km-overall.png rep/figures/pain-by-visit.png; do
  [[ -s $f ]] && ok || fail "missing $f"
done
grep -q 'temporary SQLite registry built from the shipped SYNTHETIC demo cohort' rep/cohort-report.md && ok ||
  fail "the report header does not name the temporary demo registry"

# Page count: what kiort reports = what pdfinfo reads = the pages pdftoppm renders.
said=$(sed -nE 's/.*cohort-report\.pdf \(([0-9]+) pages\).*/\1/p' <<<"$out")
pages=$(pdfinfo rep/cohort-report.pdf | sed -nE 's/^Pages: +([0-9]+)/\1/p')
[[ -n $said && $said == "$pages" ]] && ok || fail "kiort says '$said' pages, pdfinfo '$pages'"
pdftoppm -r 30 -png rep/cohort-report.pdf page
rendered=$(ls page-*.png | wc -l)
[[ $rendered -eq $pages ]] && ok || fail "pdftoppm rendered $rendered pages, the document has $pages"
for p in page-*.png; do
  f=$(nonwhite "$p")
  python3 -c "import sys; sys.exit(0 if $f > 0.005 else 1)" && ok || fail "$p is blank ($f non-white)"
done
# The figures: the PNG files, and the PDF pages that carry them.
for png in rep/figures/km-overall.png rep/figures/pain-by-visit.png; do
  f=$(nonwhite "$png")
  python3 -c "import sys; sys.exit(0 if 0.01 < $f < 0.5 else 1)" && ok || fail "$png: $f non-white"
done
for fig in "Figure 1" "Figure 2"; do
  for ((k = 1; k <= pages; k++)); do
    if pdftotext -f $k -l $k rep/cohort-report.pdf - | grep -q "^$fig\."; then
      pdftoppm -r 40 -png -f $k -l $k rep/cohort-report.pdf fig
      f=$(nonwhite "$(ls fig-*.png | head -1)"); rm -f fig-*.png
      python3 -c "import sys; sys.exit(0 if $f > 0.03 else 1)" && ok || fail "page $k with $fig: $f non-white"
      continue 2
    fi
  done
  fail "no page of the PDF carries $fig"
done

# The key numbers the Markdown states are in the PDF's text.
pdftotext -layout rep/cohort-report.pdf rep.txt
norm() { tr -s ' \n' ' ' <"$1"; }
npat=$(sed -nE 's/^([0-9]+) patients \(.*were treated with.*/\1/p' rep/cohort-report.md)
[[ $npat == 9 ]] && ok || fail "the demo cohort has 9 treated patients, the Markdown says '$npat'"
norm rep.txt | grep -q "$npat patients (" && ok || fail "pdftotext lacks '$npat patients'"
median=$(sed -nE 's/^- \*\*Median overall survival:\*\* (.*)$/\1/p' rep/cohort-report.md)
[[ -n $median ]] && ok || fail "no median OS line in the Markdown"
norm rep.txt | grep -qF "$median" && ok || fail "pdftotext lacks the median OS '$median'"
for s in "Page 1 of $pages" "Appendix A. Queries" "SELECT COUNT(DISTINCT pr.patient_id) FROM procedures pr"; do
  norm rep.txt | grep -qF "$s" && ok || fail "pdftotext lacks '$s'"
done
# Median OS against kiort stats km on the exported CSV: not reached in the demo cohort (3 deaths).
km=$("$kiort" stats km --csv rep/overall-survival.csv --time time_days --event event --json)
python3 -c "import json,sys; sys.exit(0 if json.loads(sys.argv[1])['groups'][0]['median'] is None else 1)" "$km" &&
  [[ $median == "not reached" ]] && ok || fail "median OS: report '$median', stats km $km"

# ---- A copy of the cohort where three more patients die: the median is reached, and equals the
# one kiort stats km computes from the same CSV. --db given: no synthetic note in the header.
R=("$kiort" registry --db dead.db --user e2e)
"${R[@]}" init >/dev/null && "${R[@]}" import --csv "$demo" >/dev/null
# (After each one's last visit: a death before a recorded visit is refused by the entry rules.)
for x in "1 2025-02-01" "2 2025-03-01" "4 2025-03-20"; do
  set -- $x
  "${R[@]}" edit vital-status --id "$1" --death_date "$2" --last_contact_date "$2" --death_cause "progressive disease" >/dev/null
done
check report-db 0 'cohort-report.pdf' -- "$kiort" cohort report --db dead.db --out rep2 --title "Copy with deaths"
grep -q 'registry dead.db' rep2/cohort-report.md && ok || fail "the header does not name --db"
grep -q 'SYNTHETIC DATA: this report' rep2/cohort-report.md && fail "a --db report claims to be the demo" || ok
median_days=$(sed -nE 's/^- \*\*Median overall survival:\*\* ([0-9.]+) days.*/\1/p' rep2/cohort-report.md)
km_median=$("$kiort" stats km --csv rep2/overall-survival.csv --time time_days --event event --json |
  python3 -c "import json,sys; m=json.load(sys.stdin)['groups'][0]['median']; print('none' if m is None else f'{m:.0f}')")
[[ -n $median_days && $median_days == "$km_median" ]] && ok || fail "median OS: report '$median_days' days, stats km '$km_median'"
deaths=$(sed -nE 's/^([0-9]+) of 9 patients died.*/\1/p' rep2/cohort-report.md)
[[ $deaths == 6 ]] && ok || fail "6 deaths expected, the report says '$deaths'"
# The appendix's counting query, run by hand, gives the number the report states.
if command -v sqlite3 >/dev/null; then
  n=$(sqlite3 dead.db "SELECT COUNT(*) FROM vital_status vs WHERE vs.death_date IS NOT NULL AND vs.patient_id IN (SELECT pr.patient_id FROM procedures pr)")
  [[ $n == "$deaths" ]] && ok || fail "sqlite3 counts $n deaths, the report $deaths"
fi

# ---- A published-series-shaped cohort entered from its abstract (tests/e2e/published-series;
# the numbers by hand are in its README): the report states each number with its n, analgesics
# not recorded and the consensus response not evaluable (never counted).
pub=$(realpath "$(dirname "$0")/published-series")
"$kiort" registry --db pub.db --user e2e init >/dev/null && "$kiort" registry --db pub.db --user e2e import --csv "$pub" >/dev/null
check pub-report 0 'cohort-report.pdf' -- "$kiort" cohort report --db pub.db --out pubrep
for s in \
  '9 patients (sex not recorded for 9) were treated with 9 Kypho-IORT procedures; age was not recorded' \
  '15 vertebral levels were treated (7 thoracic, 8 lumbar)' \
  'Prescribed dose 8.0 Gy median (range 8.0–8.0) at 5.0 mm' \
  '| Primary tumour group: breast | 4 (44.4 %) |' \
  '| Primary tumour group: gastrointestinal | 1 (11.1 %) |' \
  '9 of 9 procedures have a baseline worst pain' \
  'baseline OMED not recorded (known at 0 of 9 baseline visits' \
  'Instruments: 18 visits VAS 0-100 mm (shown / 10)' \
  '| postop (post-operative) | 9 | 3.9 (SD 2.1) | -3.7 (n 9) | 7 (78 %) of 9 | 7 (78 %) |' \
  '| postop (post-operative) | 0 | 9 (9 no OMED, 0 pain < 2) | 0 | 0 | 0 | 0 | n/a | not recorded |' \
  '| cement_leak | cement leak in 4 of 9 assessed (44 %) | 4 | 9 | 0 |' \
  '| neuro_deficit | no new neurological deficit in 9 of 9 assessed | 0 | 9 | 0 |' \
  '| embolism | no embolism in 9 of 9 assessed | 0 | 9 | 0 |' \
  '| cement_leak | minor | not recorded | 4 |' \
  'No new neurological deficit in 9 of 9 procedures assessed' \
  '2 of 9 patients died during follow-up' \
  '- **Median overall survival:** not reached' \
  '- **Restricted mean survival:** 14.9 months (SE 1.74, 455 days) up to 17.7 months' \
  '- **Overall survival at 12 months:** 77.8 % (2 at risk; WARNING: fewer than 3 at risk' \
  '- **Mean follow-up (all patients, to death or last contact):** 10.0 months (n = 9)' \
  '## 8. Compared with published series' \
  '[seddighi2021] (n = 9 patients, 15 vertebrae)' \
  '| patients | 9 patients | 9 patients |' \
  '| 78 % | pain relief assessed by VAS' \
  '| 4 minor cement leaks |' \
  '| mean 10 months | 2 patients died during follow-up' \
  '| local_control | not recorded (no imaging assessment) | not reported |'; do
  grep -qF -- "$s" pubrep/cohort-report.md && ok || fail "published-series report lacks '$s'"
done
# R 4.2.2, survival 3.5-3: print(survfit(Surv(t, e) ~ 1), rmean = "common") on the fixture's
# times gives rmean 454.78, se(rmean) 52.90 (days) up to 539; kiort stats km on the report's CSV.
km=$("$kiort" stats km --csv pubrep/overall-survival.csv --time time_days --event event --json)
python3 -c "import json,sys; r=json.loads(sys.argv[1])['groups'][0]['rmean']; sys.exit(0 if abs(r['rmean']-454.77777777777777)<1e-9 and abs(r['se']-52.89654)<1e-4 and r['tau']==539 else 1)" "$km" &&
  ok || fail "published series: restricted mean $km"

# ---- PostgreSQL, where its server binaries are here: the same queries give the same report
# (all but the lines naming the registry). A throwaway cluster in a temporary folder, listening
# only on a unix socket there, as tests/e2e/registry_test.sh starts it.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -n ${KIORT_PG_BIN:-} ]]; then pgbin=$KIORT_PG_BIN; fi
if [[ -x $pgbin/initdb ]]; then
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/kiort_pg_cohort.XXXXXX")
  as=()
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$pgdir"; as=(runuser -u postgres --); fi
  stop_pg() { "${as[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1; rm -rf "$pgdir"; }
  trap 'stop_pg; rm -rf "$tmp"' EXIT
  if "${as[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1 &&
     "${as[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
       -o "-c listen_addresses='' -k $pgdir -p 5432 -F" start >/dev/null 2>&1; then
    PG="postgresql:///postgres?host=$pgdir&port=5432&user=postgres"
    "$kiort" registry --db "$PG" init >/dev/null && "$kiort" registry --db "$PG" import --csv "$demo" >/dev/null
    "$kiort" registry --db same.db init >/dev/null && "$kiort" registry --db same.db import --csv "$demo" >/dev/null
    check pg-report 0 'cohort-report.pdf' -- "$kiort" cohort report --db "$PG" --out pgrep
    check sqlite-report 0 'cohort-report.pdf' -- "$kiort" cohort report --db same.db --out sqrep
    if diff <(grep -v -e '^- \*\*Data:' -e '^- \*\*Registry backend:' pgrep/cohort-report.md) \
            <(grep -v -e '^- \*\*Data:' -e '^- \*\*Registry backend:' sqrep/cohort-report.md) >/dev/null; then
      ok
    else
      fail "the PostgreSQL and SQLite reports of the same cohort differ"
    fi
  else
    fail "could not start a throwaway PostgreSQL cluster: $(tail -3 "$tmp/initdb.log" 2>/dev/null)"
  fi
else
  echo "note: PostgreSQL server binaries not found; the PostgreSQL part of this test did not run"
fi
echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
