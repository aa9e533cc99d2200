#!/usr/bin/env bash
# kiort report as a user runs it on a fast plan (phantom L1 at 2 mm, water engine): the DICOM RT
# set passes dciodvfy, plastimatch reads RTDOSE and RTSTRUCT back and its dose agrees with
# kiort's dose.nrrd within 0.1 %, the PDF has the expected pages and figures that are not blank,
# and missing or inconsistent inputs exit 2 leaving no file behind (docs/export.md).
set -u
kiort=$1
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/p"
check create 0 '' -- "$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine water --out "$tmp/p/plan.json"
check report-uncomputed 2 'not computed' -- "$kiort" report "$tmp/p/plan.json" --out "$tmp/p/r.pdf"
check compute 0 '' -- "$kiort" -q plan compute "$tmp/p/plan.json" --out "$tmp/p"
check report-unapproved 2 'not approved' -- "$kiort" report "$tmp/p/plan.json" --out "$tmp/p/r.pdf" --require-approved --dicom-out "$tmp/p/dcm0"
[[ -e $tmp/p/r.pdf || -e $tmp/p/dcm0 ]] && fail "refused run left files" || ok
mkdir -p "$tmp/nodose" && cp "$tmp/p/plan.json" "$tmp/nodose/"
check report-no-dose 2 'dose.nrrd' -- "$kiort" report "$tmp/nodose/plan.json" --out "$tmp/nodose/r.pdf"
[[ -e $tmp/nodose/r.pdf ]] && fail "no-dose run left a PDF" || ok
# A plan on a CT volume that has gone.
python3 - "$tmp/p/plan.json" "$tmp/noct/plan.json" <<'PY'
import json, sys, os
p = json.load(open(sys.argv[1]))
p["patient"]["kind"] = "volume"; p["patient"]["path"] = "/nonexistent/ct.nrrd"
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
json.dump(p, open(sys.argv[2], "w"))
PY
check report-no-ct 2 'CT is missing' -- "$kiort" report "$tmp/noct/plan.json" --out "$tmp/noct/r.pdf" --dose-dir "$tmp/p"
[[ -e $tmp/noct/r.pdf ]] && fail "no-CT run left a PDF" || ok

report_out=$("$kiort" report "$tmp/p/plan.json" --out "$tmp/p/report.pdf" --dicom-out "$tmp/p/dicom" 2>&1) && ok || fail "report: $report_out"
said_pages=$(sed -n 's/.*report.pdf (\([0-9]*\) pages.*/\1/p' <<<"$report_out")
for f in RTDOSE.dcm RTSTRUCT.dcm RTPLAN.dcm ct/CT_0001.dcm; do [[ -s $tmp/p/dicom/$f ]] && ok || fail "missing $f"; done
ls -aR "$tmp/p" | grep -q '\.tmp\.' && fail "temporary files left" || ok

if command -v dciodvfy >/dev/null; then
  # dciodvfy (Debian's 1.00~20220618) aborts on any 32-bit Pixel Data with an assertion in
  # Proposal14EncodingRules (the validator behind horosproject/horos issue 614), before it checks
  # anything. So the RT Dose is checked as a copy that differs only in how the same pixel bytes
  # are described (16 bits allocated, twice the columns); every other attribute is the original's.
  cp "$tmp/p/dicom/RTDOSE.dcm" "$tmp/RTDOSE16.dcm"
  cols=$(dcmdump +P 0028,0011 "$tmp/RTDOSE16.dcm" | awk '{print $3}')
  dcmodify -nb -m "(0028,0100)=16" -m "(0028,0101)=16" -m "(0028,0102)=15" \
    -m "(0028,0011)=$((cols * 2))" "$tmp/RTDOSE16.dcm" >/dev/null 2>&1
  # dciodvfy names the IOD it checked on a line of its own; no name means it gave up (an abort).
  for f in RTDOSE16.dcm:RTDose RTSTRUCT.dcm:RTStructureSet RTPLAN.dcm:RTPlan; do
    file=$tmp/p/dicom/${f%%:*}
    [[ ${f%%:*} == RTDOSE16.dcm ]] && file=$tmp/RTDOSE16.dcm
    out=$(dciodvfy "$file" 2>&1)
    grep -q '^Error' <<<"$out" && fail "dciodvfy ${f%%:*}: $(grep '^Error' <<<"$out")" || ok
    grep -qx "${f##*:}" <<<"$out" && ok || fail "dciodvfy ${f%%:*} did not check it as ${f##*:}: $out"
  done
else
  fail "dciodvfy not installed (apt-get install dicom3tools)"
fi

if command -v plastimatch >/dev/null; then
  plastimatch convert --input "$tmp/p/dicom/RTDOSE.dcm" --output-dose-img "$tmp/pl_dose.nrrd" >"$tmp/pl1.log" 2>&1 \
    && ok || fail "plastimatch RTDOSE: $(tail -5 "$tmp/pl1.log")"
  plastimatch convert --input "$tmp/p/dicom/RTSTRUCT.dcm" --referenced-ct "$tmp/p/dicom/ct" \
    --output-prefix "$tmp/pl_ss" >"$tmp/pl2.log" 2>&1 && ok || fail "plastimatch RTSTRUCT: $(tail -5 "$tmp/pl2.log")"
  [[ -s $tmp/pl_ss/CTV.nrrd || -n $(ls "$tmp"/pl_ss/*CTV* 2>/dev/null) ]] && ok || fail "plastimatch wrote no CTV mask: $(ls "$tmp/pl_ss" 2>&1)"
  python3 - "$tmp/p/dose.nrrd" "$tmp/pl_dose.nrrd" <<'PY' && ok || fail "plastimatch dose differs from kiort's"
import gzip, struct, sys
def read(path):
    raw = open(path, "rb").read()
    head, data = raw.split(b"\n\n", 1)
    h = {}
    for line in head.decode().splitlines()[1:]:
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1); h[k.strip()] = v.strip()
    if h.get("encoding") in ("gzip", "gz"): data = gzip.decompress(data)
    t = h["type"]
    fmt = {"float": "f", "double": "d", "short": "h", "int": "i", "unsigned int": "I", "uint": "I",
           "unsigned short": "H", "ushort": "H", "int32": "i", "uint32": "I", "int16": "h"}[t]
    sizes = [int(x) for x in h["sizes"].split()]
    n = sizes[0] * sizes[1] * sizes[2]
    end = "<" if h.get("endian", "little") == "little" else ">"
    vals = struct.unpack(end + fmt * n, data[: n * struct.calcsize(fmt)])
    org = [float(x) for x in h["space origin"].strip("()").split(",")]
    return sizes, org, vals
sa, oa, a = read(sys.argv[1]); sb, ob, b = read(sys.argv[2])
assert sa == sb, (sa, sb)
assert all(abs(x - y) < 1e-3 for x, y in zip(oa, ob)), (oa, ob)
peak = max(a)
worst = max(abs(x - y) for x, y in zip(a, b))
# 0.1 % of the local dose where the dose matters (above 1 % of the peak), and of the peak elsewhere.
bad = [(x, y) for x, y in zip(a, b) if abs(x - y) > 1e-3 * max(abs(x), 0.01 * peak)]
print("peak", peak, "worst abs diff", worst, "voxels beyond 0.1 %:", len(bad))
assert not bad, bad[:5]
PY
else
  fail "plastimatch not installed (apt-get install plastimatch)"
fi

if command -v pdftoppm >/dev/null; then
  pages=$(pdfinfo "$tmp/p/report.pdf" | awk '/^Pages:/ {print $2}')
  # The water plan, one dwell position: title, dwell table, dose and constraints, DVH, one
  # overlay, DICOM list, approval and signatures, and since issue 16 the TG-186 and near-applicator
  # tables, the calibration's provenance, the uncertainty budget and the source model's
  # parameters: 3 to 5 pages, and exactly as many as kiort said it laid out.
  [[ $pages -ge 3 && $pages -le 5 && $pages == "$said_pages" ]] && ok || fail "report has $pages pages, kiort said $said_pages"
  pdftoppm -r 40 -png "$tmp/p/report.pdf" "$tmp/page" && ok || fail "pdftoppm failed"
  n=$(ls "$tmp"/page-*.png 2>/dev/null | wc -l)
  [[ $n -eq $pages ]] && ok || fail "pdftoppm gave $n pages, pdfinfo $pages"
  for f in "$tmp"/p/figures/*.png; do
    python3 - "$f" <<'PY' && ok || fail "figure $f looks blank"
import sys, zlib, struct
raw = open(sys.argv[1], "rb").read()
assert raw[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w, h = 8, b"", 0, 0
while pos < len(raw):
    n, t = struct.unpack(">I4s", raw[pos:pos + 8]); body = raw[pos + 8:pos + 8 + n]
    if t == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    if t == b"IDAT": idat += body
    pos += 12 + n
data = zlib.decompress(idat)
# Distinct byte values across the image: a blank figure has one or two.
distinct = len(set(data[:: max(1, len(data) // 200000)]))
assert distinct > 20, distinct
PY
  done
  [[ $(ls "$tmp"/p/figures/*.png | wc -l) -ge 2 ]] && ok || fail "fewer than 2 figure PNGs"
else
  fail "pdftoppm not installed (apt-get install poppler-utils)"
fi

# A plan on a DICOM CT (the phantom written as DICOM): the set references that CT, writes none.
check phantom-dicom 0 '' -- "$kiort" -q phantom vertebra --level L1 --voxel-mm 2 --out "$tmp/dp/ct"
check create-dicom 0 '' -- "$kiort" -q plan create --from surface --dicom "$tmp/dp/ct" --target CTV --engine water --out "$tmp/dp/plan.json"
check compute-dicom 0 '' -- "$kiort" -q plan compute "$tmp/dp/plan.json" --out "$tmp/dp"
check report-dicom 0 'RTPLAN.dcm' -- "$kiort" report "$tmp/dp/plan.json" --out "$tmp/dp/report.pdf" --dicom-out "$tmp/dp/dicom"
[[ ! -e $tmp/dp/dicom/ct ]] && ok || fail "a DICOM patient's CT was written again"
for_uid=$(dcmdump +P 0020,0052 "$tmp/dp/ct/CT_0001.dcm" | head -1 | sed 's/.*\[\(.*\)\].*/\1/')
for f in RTDOSE.dcm RTSTRUCT.dcm RTPLAN.dcm; do
  dcmdump +P 0020,0052 "$tmp/dp/dicom/$f" | grep -qF "[$for_uid]" && ok || fail "$f does not reference the CT's Frame of Reference $for_uid"
done

cp -r "$tmp/p/dicom" "$tmp/draft-dicom"  # the draft's set, for the UID checks of issue 17 below
draft_uid=$(dcmdump +P 0008,0018 "$tmp/p/dicom/RTPLAN.dcm" | head -1 | sed 's/.*\[\(.*\)\].*/\1/')
pdftotext "$tmp/p/report.pdf" - | grep -q 'DRAFT - NOT APPROVED' && ok || fail "the draft's report.pdf lacks its DRAFT banner"
# Issue 20: the approval writes the plan folder's report.pdf and dicom/ again for the approved
# plan (they were the draft's), so its documents carry the approval and the approver.
check approve 0 'wrote the approved plan.s 4 documents again' -- "$kiort" plan approve "$tmp/p/plan.json" --by "A. Physicist"
txt=$(pdftotext "$tmp/p/report.pdf" -)
grep -q 'APPROVED by A. Physicist at' <<<"$txt" && ok || fail "report.pdf after approval lacks 'APPROVED by A. Physicist'"
grep -q 'DRAFT' <<<"$txt" && fail "report.pdf after approval still says DRAFT" || ok
dcmdump +P 300e,0002 "$tmp/p/dicom/RTPLAN.dcm" | grep -q '\[APPROVED\]' && ok || fail "dicom/RTPLAN.dcm after approval is not APPROVED"
dcmdump +P 300e,0008 "$tmp/p/dicom/RTPLAN.dcm" | grep -q 'Physicist' && ok || fail "dicom/RTPLAN.dcm lacks the reviewer"
new_uid=$(dcmdump +P 0008,0018 "$tmp/p/dicom/RTPLAN.dcm" | head -1 | sed 's/.*\[\(.*\)\].*/\1/')
[[ -n $new_uid && $new_uid != "$draft_uid" ]] && ok || fail "the approved RTPLAN kept the draft's SOP Instance UID $draft_uid"
[[ -s $tmp/p/dicom/ct/CT_0001.dcm && -s $tmp/p/figures/$(ls "$tmp/p/figures" | head -1) ]] && ok || fail "the rewrite lost the CT or the figures"
[[ -e $tmp/p/.documents-rewrite ]] && fail "the rewrite left its staging folder" || ok
python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["files"]; c=json.load(open(sys.argv[2]))["approval"]["checksum"]; assert f["report.pdf"]["approval_checksum"] == c and f["dicom/RTPLAN.dcm"]["approval_checksum"] == c, f' \
  "$tmp/p/documents.json" "$tmp/p/plan.json" && ok || fail "documents.json does not record the approval"
# A rewrite that fails (summary.json edited: no longer the file plan compute wrote): the approval stands, the old
# documents stay whole but are recorded stale with the reason, and nothing half-written is left.
cp "$tmp/dp/report.pdf" "$tmp/dp-draft.pdf"
python3 -c 'import json,sys; p=sys.argv[1]; s=json.load(open(p)); s["plan_id"]="another"; json.dump(s, open(p,"w"))' "$tmp/dp/summary.json"
check approve-rewrite-fails 0 'stale' -- "$kiort" plan approve "$tmp/dp/plan.json" --by "A. Physicist"
grep -q '"state": "approved"' "$tmp/dp/plan.json" && ok || fail "a failed rewrite undid the approval"
cmp -s "$tmp/dp/report.pdf" "$tmp/dp-draft.pdf" && ok || fail "a failed rewrite changed report.pdf"
ls -aR "$tmp/dp" | grep -q '\.tmp\.\|documents-rewrite' && fail "a failed rewrite left temporary files" || ok
python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["files"]; assert "approval failed" in f["report.pdf"]["error"] and "error" in f["dicom/RTPLAN.dcm"], f' \
  "$tmp/dp/documents.json" && ok || fail "documents.json does not mark the stale documents: $(cat "$tmp/dp/documents.json")"
check report-approved 0 'approved' -- "$kiort" report "$tmp/p/plan.json" --out "$tmp/p/report2.pdf" --require-approved --dicom-out "$tmp/p/dicom2"
dcmdump "$tmp/p/dicom2/RTPLAN.dcm" | grep -q '\[APPROVED\].*ApprovalStatus' && ok || fail "approved RTPLAN lacks APPROVED"
if command -v dciodvfy >/dev/null; then
  out=$(dciodvfy "$tmp/p/dicom2/RTPLAN.dcm" 2>&1)
  grep -q '^Error' <<<"$out" && fail "dciodvfy approved RTPLAN: $(grep '^Error' <<<"$out")" || ok
fi


# --- issue 17: DICOM RT that archives, viewers and other planning systems read right ---------
here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../data" && pwd)
uid() { dcmdump +P "$1" "$2" 2>/dev/null | head -1 | sed -n 's/.*\[\(.*\)\].*/\1/p'; }
# dciodvfy on every object of a set: no Error line (the RT Dose as its 16-bit twin, see above).
dciodvfy_set() {
  local dir=$1 label=$2 f out
  for f in "$dir"/RT*.dcm "$dir"/ct/CT_0001.dcm; do
    [[ -e $f ]] || continue
    if [[ $(basename "$f") == RTDOSE* ]]; then
      cp "$f" "$tmp/d16.dcm"
      cols=$(dcmdump +P 0028,0011 "$tmp/d16.dcm" | awk '{print $3}')
      dcmodify -nb -m "(0028,0100)=16" -m "(0028,0101)=16" -m "(0028,0102)=15" \
        -m "(0028,0011)=$((cols * 2))" "$tmp/d16.dcm" >/dev/null 2>&1
      out=$(dciodvfy "$tmp/d16.dcm" 2>&1)
    else
      out=$(dciodvfy "$f" 2>&1)
    fi
    grep -q '^Error' <<<"$out" && fail "dciodvfy $label $(basename "$f"): $(grep '^Error' <<<"$out")" || ok
  done
}

# 1. A Monte Carlo plan (few histories: the DICOM is the point): three dose objects, three series.
check mc-create 0 '' -- "$kiort" -q plan create --from surface --phantom L1 --voxel-mm 2 --engine mc --max-histories 2000 --sigma 0.9 --out "$tmp/mc/plan.json"
check mc-compute 0 '' -- "$kiort" -q plan compute "$tmp/mc/plan.json" --out "$tmp/mc"
check mc-report 0 'RTDOSE_ERROR.dcm' -- "$kiort" report "$tmp/mc/plan.json" --out "$tmp/mc/r.pdf" --dicom-out "$tmp/mc/dicom" --water-dose
m=$tmp/mc/dicom
series=$(for f in RTDOSE RTDOSE_WATER RTDOSE_ERROR; do uid 0020,000e "$m/$f.dcm"; done | sort -u | wc -l)
[[ $series -eq 3 ]] && ok || fail "the three dose objects share series ($series distinct)"
dcmdump +P 0008,103e "$m/RTDOSE.dcm" | grep -q PHYSICAL && ok || fail "RTDOSE's Series Description does not say PHYSICAL"
dcmdump +P 0008,103e "$m/RTDOSE_ERROR.dcm" | grep -q 'ERROR.*not a dose' && ok || fail "RTDOSE_ERROR's Series Description does not say what it is"
dciodvfy_set "$m" mc
# A folder-level reader (plastimatch takes the first RT Dose series it finds) gets the physical dose.
mkdir -p "$tmp/flat" && cp "$m"/*.dcm "$m"/ct/*.dcm "$tmp/flat/"
plastimatch convert --input "$tmp/flat" --output-dose-img "$tmp/flat_dose.nrrd" >"$tmp/pl3.log" 2>&1 && ok || fail "plastimatch folder: $(tail -3 "$tmp/pl3.log")"
python3 - "$tmp/mc/dose.nrrd" "$tmp/flat_dose.nrrd" <<'PY' && ok || fail "plastimatch's folder dose is not kiort's physical dose"
import gzip, struct, sys
def vals(p):
    raw = open(p, "rb").read(); head, data = raw.split(b"\n\n", 1)
    if b"encoding: gzip" in head: data = gzip.decompress(data)
    return struct.unpack("<" + "f" * (len(data) // 4), data)
a, b = vals(sys.argv[1]), vals(sys.argv[2])
print("kiort max", max(a), "plastimatch folder max", max(b))
assert abs(max(a) - max(b)) <= 1e-3 * max(a)
PY
# DVH Sequence: one cumulative DVH in cm3 per structure of kiort's dvh.csv.
n_dvh=$(dcmdump "$m/RTDOSE.dcm" | grep -c 'DVHType')
n_csv=$(awk -F, '$1=="mc"{print $2}' "$tmp/mc/dvh.csv" | sort -u | wc -l)
[[ $n_dvh -eq $n_csv && $n_dvh -gt 0 ]] && ok || fail "RTDOSE has $n_dvh DVHs, dvh.csv $n_csv structures"
dcmdump "$m/RTDOSE.dcm" | grep -q 'DVHVolumeUnits' && dcmdump "$m/RTDOSE.dcm" | grep 'DVHVolumeUnits' | grep -vq CM3 && fail "DVH volume units not CM3" || ok

# 5. DVH parity with plastimatch (tests/e2e/dvh_parity.py says what is compared and why).
plastimatch convert --input "$m/RTSTRUCT.dcm" --referenced-ct "$m/ct" --output-ss-img "$tmp/ss.nrrd" \
  --output-ss-list "$tmp/ss.txt" >/dev/null 2>&1 && ok || fail "plastimatch ss-img"
plastimatch convert --input "$m/RTDOSE.dcm" --output-dose-img "$tmp/dose.nrrd" >/dev/null 2>&1 && ok || fail "plastimatch dose"
parity=$(python3 "$here/dvh_parity.py" "$tmp/mc" "$tmp" 2>&1) && ok || fail "DVH parity: $parity"
echo "$parity" | sed 's/^/  dvh parity: /'

# 2. UIDs: the same content gives the same UIDs, the approved plan new ones.
check mc-report-again 0 '' -- "$kiort" report "$tmp/mc/plan.json" --out "$tmp/mc/r2.pdf" --dicom-out "$tmp/mc/again"
for f in RTPLAN RTSTRUCT RTDOSE; do
  [[ $(uid 0008,0018 "$m/$f.dcm") == $(uid 0008,0018 "$tmp/mc/again/$f.dcm") ]] && ok || fail "$f UID not reproducible"
  [[ $(uid 0008,0018 "$tmp/draft-dicom/$f.dcm") != $(uid 0008,0018 "$tmp/p/dicom2/$f.dcm") ]] && ok || fail "approved $f shares the draft's UID"
  [[ $(uid 0020,000e "$tmp/draft-dicom/$f.dcm") != $(uid 0020,000e "$tmp/p/dicom2/$f.dcm") ]] && ok || fail "approved $f shares the draft's series"
done
dcmdump +P 300e,0008 "$tmp/p/dicom2/RTPLAN.dcm" | grep -q 'Physicist^A.' && ok || fail "reviewer not in PN form"

# 4. Multi-dwell bilateral and two-level plans: dciodvfy finds no Error in any object.
check bi-create 0 '' -- "$kiort" -q plan create --phantom L1 --voxel-mm 2 --engine water --access bilateral --dwell-count 2 --dwell-step 4 --rx coverage --dose 8 --oar-limit 40 --out "$tmp/bi/plan.json"
# L2's proposed access passes 0.8 mm from the canal, inside the needle check's 1 mm margin: this
# one is L1's proposed path 34 mm lower and 1 mm lateral.
check l2-create 0 '' -- "$kiort" -q plan create --phantom L1 --voxel-mm 2 --engine water --level L2 --target VB_L2 --entry 38.4,61.7,-24.7 --tip 5.0,3.7,-33.0 --dwell-count 2 --dwell-step 4 --rx coverage --dose 8 --oar-limit 40 --out "$tmp/l2/plan.json"
python3 - "$tmp/bi/plan.json" "$tmp/l2/plan.json" "$tmp/two/plan.json" <<'PY'
import json, os, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
x = b["accesses"][0]; x["name"] = "L2-" + x["name"]; a["accesses"] = a["accesses"][:1] + [x]
os.makedirs(os.path.dirname(sys.argv[3]), exist_ok=True); json.dump(a, open(sys.argv[3], "w"), indent=1)
PY
for c in bi two; do
  check $c-compute 0 '' -- "$kiort" -q plan compute "$tmp/$c/plan.json" --out "$tmp/$c"
  check $c-report 0 'RTPLAN.dcm' -- "$kiort" report "$tmp/$c/plan.json" --out "$tmp/$c/r.pdf" --dicom-out "$tmp/$c/dicom"
  dciodvfy_set "$tmp/$c/dicom" $c
  [[ $(dcmdump "$tmp/$c/dicom/RTPLAN.dcm" | grep -c SourceApplicatorStepSize) -eq 2 ]] && ok || fail "$c: a stepwise channel without Source Applicator Step Size"
  dcmdump "$tmp/$c/dicom/RTPLAN.dcm" | grep ControlPointRelativePosition | head -1 | grep -q '\[0\]' && ok || fail "$c: relative positions do not start at the tip"
  dcmdump "$tmp/$c/dicom/RTPLAN.dcm" | grep -q 'DoseReferenceStructureType.*VOLUME\|\[VOLUME\]' && ok || fail "$c: coverage prescription not a target volume"
done
dciodvfy_set "$tmp/p/dicom" single

# 3 and 6. The real JPEG 2000 series (UIDs only in the meta header, none for study and series),
# with its label map: --labels is honoured, the export works, the CT's patient and study
# attributes are copied.
s=$data/spine-ct
check j2k-create 0 '' -- "$kiort" -q plan create --from surface --dicom "$s/example_ct_dicom" --labels "$s/example_seg_dicom.nii.gz" --level T12 --target vertebrae_T12 --engine water --entry -10,-135,-790 --tip -10,-108,-790 --out "$tmp/j2k/plan.json"
check j2k-compute 0 '' -- "$kiort" -q plan compute "$tmp/j2k/plan.json" --out "$tmp/j2k"
check j2k-report 0 'RTPLAN.dcm' -- "$kiort" report "$tmp/j2k/plan.json" --out "$tmp/j2k/r.pdf" --dicom-out "$tmp/j2k/dicom"
for f in RTDOSE RTSTRUCT RTPLAN; do
  [[ $(uid 0008,0020 "$tmp/j2k/dicom/$f.dcm") == 20221208 ]] && ok || fail "$f: Study Date not the CT's"
  [[ $(uid 0010,0021 "$tmp/j2k/dicom/$f.dcm") == $(uid 0010,0021 "$s/example_ct_dicom/$(ls "$s/example_ct_dicom" | head -1)") ]] && ok || fail "$f: Issuer of Patient ID not the CT's"
  [[ -z $(uid 0010,0040 "$tmp/j2k/dicom/$f.dcm") ]] && ok || fail "$f: Patient Sex invented"
done
dciodvfy_set "$tmp/j2k/dicom" j2k

# 3. A NIfTI CT: the user names the patient; the CT kiort writes is DERIVED, standard axial, no KVP.
check nii-bad-sex 2 'patient-sex' -- "$kiort" -q plan create --from surface --volume "$s/example_ct.nii.gz" --labels "$s/totalseg.nii.gz" --patient-sex X --out "$tmp/nii/bad.json"
check nii-dicom-demographics 2 'NRRD/NIfTI' -- "$kiort" -q plan create --from surface --dicom "$tmp/dp/ct" --patient-name Doe^Jane --out "$tmp/nii/bad2.json"
printf 'label,name\n19,VB_T12\n20,VB_L1\n21,VB_L2\n22,VB_L3\n23,VB_L4\n24,VB_L5\n' > "$tmp/names.csv"
# A needle path clear of the derived canal (the proposed one enters it: e2e.plan real-left-needle).
check nii-create 0 '' -- "$kiort" -q plan create --from surface --entry 43.8,-53.0,379.9 --tip 9.8,-121.9,386.2 --volume "$s/example_ct.nii.gz" --labels "$s/totalseg.nii.gz" --labels "$s/totalseg_vertebrae_pp_refined.nii.gz=$tmp/names.csv" --level L1 --target VB_L1 --engine water --patient-name 'Doe^Jane' --patient-id P-0042 --patient-sex F --patient-birth-date 1950-02-28 --out "$tmp/nii/plan.json"
check nii-compute 0 '' -- "$kiort" -q plan compute "$tmp/nii/plan.json" --out "$tmp/nii"
check nii-report 0 'ct/' -- "$kiort" report "$tmp/nii/plan.json" --out "$tmp/nii/r.pdf" --dicom-out "$tmp/nii/dicom"
n=$tmp/nii/dicom
for f in ct/CT_0001.dcm RTDOSE.dcm RTSTRUCT.dcm RTPLAN.dcm; do
  [[ $(uid 0010,0010 "$n/$f") == 'Doe^Jane' && $(uid 0010,0020 "$n/$f") == P-0042 && $(uid 0010,0040 "$n/$f") == F && $(uid 0010,0030 "$n/$f") == 19500228 ]] && ok || fail "$f: patient not as given"
done
[[ $(uid 0020,0037 "$n/ct/CT_0001.dcm") == '1\0\0\0\1\0' ]] && ok || fail "CT not in standard axial orientation: $(uid 0020,0037 "$n/ct/CT_0001.dcm")"
[[ $(uid 0008,0008 "$n/ct/CT_0001.dcm") == 'DERIVED\SECONDARY\AXIAL' ]] && ok || fail "converted CT not DERIVED"
[[ -z $(uid 0018,0060 "$n/ct/CT_0001.dcm") ]] && ok || fail "converted CT carries an invented KVP"
# The slices are exact: plastimatch reads kiort's CT back with the NIfTI's voxels at their positions.
z1=$(uid 0020,0032 "$n/ct/CT_0001.dcm" | cut -d'\' -f3); z2=$(uid 0020,0032 "$n/ct/CT_0002.dcm" | cut -d'\' -f3)
python3 -c "import sys; sys.exit(0 if float('$z2') > float('$z1') else 1)" && ok || fail "slices not feet to head ($z1, $z2)"
dciodvfy_set "$n" nii

# 6. A structure set on another Frame of Reference: refused, or read on the override with its
# warning in the outputs, when every contour references this CT's images.
mkdir -p "$tmp/of" && cp "$tmp/dp/ct"/*.dcm "$tmp/of/"
rs=$(for f in "$tmp/of"/*.dcm; do dcmdump +P 0008,0060 "$f" | grep -q RTSTRUCT && echo "$f"; done | head -1)
dcmodify -nb -m "(0020,0052)=1.2.3.4.5.6" -m "(3006,0010)[0].(0020,0052)=1.2.3.4.5.6" -m "(3006,0020)[*].(3006,0024)=1.2.3.4.5.6" "$rs" >/dev/null 2>&1
check other-frame-refused 2 'another Frame of Reference' -- "$kiort" -q plan create --from surface --dicom "$tmp/of" --target CTV --engine water --out "$tmp/of/p/plan.json"
check other-frame-accepted 0 '' -- "$kiort" -q plan create --from surface --dicom "$tmp/of" --target CTV --engine water --accept-other-frame --out "$tmp/of/p/plan.json"
check other-frame-compute 0 '' -- "$kiort" -q plan compute "$tmp/of/p/plan.json" --out "$tmp/of/p"
check other-frame-report 0 'RTPLAN.dcm' -- "$kiort" report "$tmp/of/p/plan.json" --out "$tmp/of/p/r.pdf" --dicom-out "$tmp/of/p/dicom"
for f in RTSTRUCT RTPLAN RTDOSE; do
  dcmdump +L "$tmp/of/p/dicom/$f.dcm" | grep -q 'WARNING: structure set' && ok || fail "$f does not carry the other-frame warning"
done
grep -q 'WARNING: structure set' "$tmp/of/p/summary.json" && ok || fail "summary.json does not carry the other-frame warning"
for f in dose.nrrd dose_sigma.nrrd dose_water.nrrd; do  # the header, before the first blank line
  sed '/^$/q' "$tmp/of/p/$f" | grep -aq '^# WARNING: structure set' && ok || fail "$f header does not carry the other-frame warning"
done
pdftotext "$tmp/of/p/r.pdf" - | tr '\n' ' ' | grep -q 'WARNING: structure set' && ok || fail "the report does not carry the other-frame warning"

# 6. The needle as imaged: kiort's own channel polyline (OPEN_NONPLANAR) becomes the trajectory.
check applicator-from 0 'Channel_left' -- "$kiort" plan create --from surface --dicom "$tmp/dp/ct" --target CTV --engine water --applicator-from "$tmp/dp/dicom/RTSTRUCT.dcm:Channel_left" --out "$tmp/af/plan.json"
python3 - "$tmp/dp/plan.json" "$tmp/af/plan.json" <<'PY' && ok || fail "--applicator-from did not reproduce the needle"
import json, sys
a = json.load(open(sys.argv[1]))["accesses"][0]; b = json.load(open(sys.argv[2]))["accesses"][0]
for k in ("entry_mm", "tip_mm"):
    pa = a[k] if isinstance(a[k], list) else [a[k][c] for c in "xyz"]
    pb = b[k] if isinstance(b[k], list) else [b[k][c] for c in "xyz"]
    assert max(abs(x - y) for x, y in zip(pa, pb)) < 1e-3, (k, pa, pb)
PY
# The same needle with its points in the other order (planning systems write either): the end
# nearer the target is still the tip.
cp "$tmp/dp/dicom/RTSTRUCT.dcm" "$tmp/af/reversed.dcm"
idx=$(dcmdump "$tmp/af/reversed.dcm" | grep 'ROIName' | sed 's/.*\[\(.*\)\].*/\1/' | grep -nx 'Channel_left' | cut -d: -f1)
pts=$(dcmdump +L "$tmp/af/reversed.dcm" | grep -A2 OPEN_NONPLANAR | grep ContourData | sed 's/.*\[\(.*\)\].*/\1/')
rev=$(awk -F'\\' '{print $4"\\"$5"\\"$6"\\"$1"\\"$2"\\"$3}' <<<"$pts")
dcmodify -nb -m "(3006,0039)[$((idx - 1))].(3006,0040)[0].(3006,0050)=$rev" "$tmp/af/reversed.dcm" >/dev/null 2>&1
check applicator-from-reversed 0 '' -- "$kiort" -q plan create --from surface --dicom "$tmp/dp/ct" --target CTV --engine water --applicator-from "$tmp/af/reversed.dcm:Channel_left" --out "$tmp/af/rev.json"
python3 - "$tmp/af/plan.json" "$tmp/af/rev.json" "$pts" "$rev" <<'PY' && ok || fail "a reversed polyline gave another needle"
import json, sys
a = json.load(open(sys.argv[1]))["accesses"][0]; b = json.load(open(sys.argv[2]))["accesses"][0]
assert sys.argv[3] != sys.argv[4], "the polyline was not reversed"
for k in ("entry_mm", "tip_mm"):
    assert max(abs(x - y) for x, y in zip(a[k], b[k])) < 1e-3, (k, a[k], b[k])
PY
check applicator-from-missing 2 'no such ROI' -- "$kiort" -q plan create --from surface --dicom "$tmp/dp/ct" --target CTV --applicator-from "$tmp/dp/dicom/RTSTRUCT.dcm:NoSuchNeedle" --out "$tmp/af/bad.json"
check applicator-from-closed 2 'no open polyline' -- "$kiort" -q plan create --from surface --dicom "$tmp/dp/ct" --target CTV --applicator-from "$tmp/dp/dicom/RTSTRUCT.dcm:CTV" --out "$tmp/af/bad.json"

echo "rtexport e2e: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
