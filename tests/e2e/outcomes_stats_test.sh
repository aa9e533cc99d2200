#!/usr/bin/env bash
# `kiort stats km|cox` as a user runs it: JSON shape and values on R's shipped data sets (the
# numbers are those in data/reference/survival/*.json, written by generate.R there), the readable
# table, and exit code 2 with file, line and column for bad CSV files.
set -u
kiort=$1
ref=$2  # data/reference/survival
fails=0; passes=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
check() {  # check NAME EXPECTED_RC PATTERN -- CMD...
  local name=$1 want=$2 pat=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -ne $want ]]; then echo "FAIL $name: exit $rc, expected $want: ${out:0:400}"; fails=$((fails+1)); return; fi
  if [[ -n $pat ]] && ! grep -qE -- "$pat" <<<"$out"; then echo "FAIL $name: output lacks /$pat/: ${out:0:400}"; fails=$((fails+1)); return; fi
  passes=$((passes+1))
}
pycheck() {  # pycheck NAME JSONFILE PYTHON-EXPR (j is the parsed JSON; must be true)
  local name=$1 file=$2 expr=$3
  if python3 -c "import json,sys,math; j=json.load(open('$file')); sys.exit(0 if ($expr) else 1)" 2>"$tmp/py.err"; then
    passes=$((passes+1))
  else
    echo "FAIL $name: $expr: $(cat "$tmp/py.err")"; fails=$((fails+1))
  fi
}
close='lambda a, b: abs(a - b) <= 1e-4 * abs(b)'

# Kaplan-Meier with groups: aml by x (quoted labels in the CSV), log-rank as survdiff.
"$kiort" stats km --csv "$ref/aml.csv" --time time --event status --group x --json >"$tmp/km.json"
check km-json-exit 0 '' -- test -s "$tmp/km.json"
pycheck km-groups "$tmp/km.json" "[g['name'] for g in j['groups']] == ['Maintained', 'Nonmaintained']"
pycheck km-logrank "$tmp/km.json" "($close)(j['logrank']['chisq'], 3.3963886989776011) and j['logrank']['df'] == 1 and ($close)(j['logrank']['p'], 0.065339322040505132)"
pycheck km-median "$tmp/km.json" "j['groups'][0]['median'] == 31 and j['groups'][0]['median_lcl'] == 18 and j['groups'][0]['median_ucl'] is None"
pycheck km-row-keys "$tmp/km.json" "set(j['groups'][0]['table'][0]) >= {'time','n_risk','n_event','surv','std_err','lower','upper'}"
pycheck km-null-at-zero "$tmp/km.json" "j['groups'][1]['table'][-1]['surv'] == 0 and j['groups'][1]['table'][-1]['lower'] is None and j['groups'][1]['table'][-1]['std_err'] is None"

# No group: logrank is null. lung uses R's 1/2 event coding.
"$kiort" stats km --csv "$ref/lung.csv" --time time --event status --conf-type log-log --json >"$tmp/lung.json"
pycheck km-no-group-logrank-null "$tmp/lung.json" "j['logrank'] is None and len(j['groups']) == 1"
pycheck km-lung-median "$tmp/lung.json" "j['groups'][0]['median'] == 310 and j['groups'][0]['n'] == 228 and j['groups'][0]['events'] == 165"
pycheck km-loglog-first-row "$tmp/lung.json" "j['groups'][0]['conf_type'] == 'log-log'"
check km-table 0 'log-rank: chisq = 3\.3964 on 1 df' -- "$kiort" stats km --csv "$ref/aml.csv" --time time --event status --group x
check km-table-median 0 'group all: n = 228, events = 165, median 310 \(95% CI 285 to 363\)' -- "$kiort" stats km --csv "$ref/lung.csv" --time time --event status
check km-at 0 'survival at 365' -- "$kiort" stats km --csv "$ref/lung.csv" --time time --event status --at 180,365
# Survival at times in JSON: lung at 365 days, R summary(fit, times = 365)$surv (km.json, lung_all_log_0.95).
"$kiort" stats km --csv "$ref/lung.csv" --time time --event status --at 365,5000 --json >"$tmp/at.json"
r365=$(python3 -c "import json; c=[c for c in json.load(open('$ref/km.json')) if c['id']=='lung_all_log_0.95'][0]; print(c['groups'][0]['at']['surv'][1])")
pycheck km-at-json "$tmp/at.json" "($close)(j['groups'][0]['at'][0]['surv'], $r365) and j['groups'][0]['at'][1]['surv'] is None"

# Cox: lung ~ age + sex + ph.ecog (one NA row omitted, as coxph's na.omit).
"$kiort" stats cox --csv "$ref/lung.csv" --time time --event status --covariates age,sex,ph.ecog --json >"$tmp/cox.json"
pycheck cox-coef "$tmp/cox.json" "[c['name'] for c in j['coefficients']] == ['age','sex','ph.ecog'] and ($close)(j['coefficients'][1]['coef'], -0.55261239570363097)"
pycheck cox-hr "$tmp/cox.json" "($close)(j['coefficients'][2]['hr'], 1.5899911900542845) and ($close)(j['coefficients'][2]['hr_lower'], 1.2726751777742971)"
pycheck cox-tests "$tmp/cox.json" "($close)(j['tests']['likelihood_ratio']['chisq'], 30.500668773156576) and ($close)(j['tests']['wald']['chisq'], 29.929251209204654) and ($close)(j['tests']['score']['chisq'], 30.499922704949103) and j['tests']['wald']['df'] == 3"
pycheck cox-omitted "$tmp/cox.json" "j['n'] == 227 and j['n_omitted'] == 1"
check cox-table 0 'Likelihood ratio test' -- "$kiort" stats cox --csv "$ref/lung.csv" --time time --event status --covariates sex

# Bad input: exit 2, naming file, line and column.
printf 't,e\n1,1\n2,0\n' >"$tmp/ok.csv"
check missing-column 2 'ok\.csv.*no such column.*got .time.' -- "$kiort" stats km --csv "$tmp/ok.csv" --time time --event e
printf 't,e\n1,1\n-2,0\n' >"$tmp/neg.csv"
check negative-time 2 "neg\.csv: line 3, column 't' \(1\): negative survival time" -- "$kiort" stats km --csv "$tmp/neg.csv" --time t --event e
printf 't,e\n1,1\nsoon,0\n' >"$tmp/nan.csv"
check non-numeric-time 2 "nan\.csv: line 3, column 't' \(1\): non-numeric survival time: got 'soon'" -- "$kiort" stats km --csv "$tmp/nan.csv" --time t --event e
printf 't,e\n1,1\n2,3\n' >"$tmp/code.csv"
check bad-event-code 2 "code\.csv: line 3, column 'e' \(2\): invalid event code: got '3'" -- "$kiort" stats km --csv "$tmp/code.csv" --time t --event e
printf 't,e\n1,0\n2,2\n' >"$tmp/mixed.csv"
check mixed-event-coding 2 "mixed\.csv: line 2, column 'e' \(2\): event code 0" -- "$kiort" stats km --csv "$tmp/mixed.csv" --time t --event e
printf 't,e,g\n1,1,a\n2,0,\n' >"$tmp/group.csv"
check empty-group 2 "group\.csv: line 3, column 'g' \(3\): empty group" -- "$kiort" stats km --csv "$tmp/group.csv" --time t --event e --group g
printf 't,e\n1,"1\n' >"$tmp/quote.csv"
check unterminated-quote 2 'quote\.csv:2: field [0-9]*: unterminated quoted field' -- "$kiort" stats km --csv "$tmp/quote.csv" --time t --event e
printf 't,e,x\n1,1,0\n2,0,abc\n' >"$tmp/cov.csv"
check non-numeric-covariate 2 "cov\.csv: line 3, column 'x' \(3\): non-numeric covariate" -- "$kiort" stats cox --csv "$tmp/cov.csv" --time t --event e --covariates x
# A fit that cannot meet its goal exits 3: the covariate separates the events (monotone likelihood).
printf 't,e,x\n1,1,1\n2,1,1\n3,0,0\n4,0,0\n' >"$tmp/sep.csv"
check cox-separation-exit-3 3 'did not converge' -- "$kiort" stats cox --csv "$tmp/sep.csv" --time t --event e --covariates x
# A group without events: R's coxph warns "Loglik converged before variable 1"; kiort exits 3.
printf 't,e,g\n1,0,1\n2,1,0\n3,0,1\n4,1,0\n5,1,0\n6,0,1\n7,1,0\n8,0,1\n9,1,0\n10,1,0\n' >"$tmp/noev.csv"
check cox-group-without-events-exit-3 3 'monotone likelihood.*converged before g' -- "$kiort" stats cox --csv "$tmp/noev.csv" --time t --event e --covariates g
# Restricted mean survival (R: print(survfit(Surv(time, status) ~ 1, data = lung), rmean =
# "common"): rmean 376.27474614784973, se 19.707791421339873, up to 1022; data/reference/survival).
pycheck km-lung-rmean "$tmp/lung.json" "abs(j['groups'][0]['rmean']['rmean'] - 376.27474614784973) < 1e-9 and abs(j['groups'][0]['rmean']['se'] - 19.707791421339873) < 1e-9 and j['groups'][0]['rmean']['tau'] == 1022"
# Breslow ties, strata and factors by name (R: coxph(Surv(time, status) ~ trt + age + celltype +
# strata(prior), data = veteran), data/reference/survival/cox_strata.json: celltypelarge coef
# -0.86875). And the stratified log-rank (survdiff(... ~ trt + strata(celltype)): chisq 0.7017).
"$kiort" stats cox --csv "$ref/veteran.csv" --time time --event status --covariates trt,age --factor celltype --strata prior --json >"$tmp/coxs.json"
pycheck cox-factor-names "$tmp/coxs.json" "[c['name'] for c in j['coefficients']] == ['trt', 'age', 'celltypelarge', 'celltypesmallcell', 'celltypesquamous'] and j['n_strata'] == 2 and j['ties'] == 'efron'"
check cox-breslow-text 0 'Cox model \(Breslow ties, 4 strata\)' -- "$kiort" stats cox --csv "$ref/veteran.csv" --time time --event status --covariates karno --strata celltype --ties breslow
check cox-needs-covariates 2 'covariates or --factor' -- "$kiort" stats cox --csv "$ref/veteran.csv" --time time --event status
check km-stratified-logrank 0 'stratified by 4 strata' -- "$kiort" stats km --csv "$ref/veteran.csv" --time time --event status --group trt --strata celltype
"$kiort" stats km --csv "$ref/veteran.csv" --time time --event status --group trt --strata celltype --json >"$tmp/slr.json"
pycheck km-stratified-chisq "$tmp/slr.json" "($close)(j['logrank']['chisq'], 0.70174334684431905) and j['logrank']['stratified_by'] == ['adeno', 'large', 'smallcell', 'squamous']"
printf 't,e,a,b\n1,1,1,2\n2,0,2,4\n3,1,3,6\n4,1,5,10\n' >"$tmp/col.csv"
check cox-collinear-exit-3 3 'singular information' -- "$kiort" stats cox --csv "$tmp/col.csv" --time t --event e --covariates a,b
check missing-file 2 'cannot read CSV file' -- "$kiort" stats km --csv "$tmp/absent.csv" --time t --event e
check bad-conf-type 2 '' -- "$kiort" stats km --csv "$tmp/ok.csv" --time t --event e --conf-type logit
check stats-needs-sub 2 '' -- "$kiort" stats
# The errors are one line.
lines=$("$kiort" stats km --csv "$tmp/neg.csv" --time t --event e 2>&1 | wc -l)
[[ $lines -eq 1 ]] && passes=$((passes+1)) || { echo "FAIL one-line error: $lines lines"; fails=$((fails+1)); }

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
