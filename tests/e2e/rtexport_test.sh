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
check create 0 '' -- "$kiort" -q plan create --phantom L1 --voxel-mm 2 --engine water --out "$tmp/p/plan.json"
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
  # overlay, DICOM list, approval and signatures: 2 pages (3 with a longer constraint table), and
  # exactly as many as kiort said it laid out.
  [[ $pages -ge 2 && $pages -le 3 && $pages == "$said_pages" ]] && ok || fail "report has $pages pages, kiort said $said_pages"
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
check create-dicom 0 '' -- "$kiort" -q plan create --dicom "$tmp/dp/ct" --target CTV --engine water --out "$tmp/dp/plan.json"
check compute-dicom 0 '' -- "$kiort" -q plan compute "$tmp/dp/plan.json" --out "$tmp/dp"
check report-dicom 0 'RTPLAN.dcm' -- "$kiort" report "$tmp/dp/plan.json" --out "$tmp/dp/report.pdf" --dicom-out "$tmp/dp/dicom"
[[ ! -e $tmp/dp/dicom/ct ]] && ok || fail "a DICOM patient's CT was written again"
for_uid=$(dcmdump +P 0020,0052 "$tmp/dp/ct/CT_0001.dcm" | head -1 | sed 's/.*\[\(.*\)\].*/\1/')
for f in RTDOSE.dcm RTSTRUCT.dcm RTPLAN.dcm; do
  dcmdump +P 0020,0052 "$tmp/dp/dicom/$f" | grep -qF "[$for_uid]" && ok || fail "$f does not reference the CT's Frame of Reference $for_uid"
done

check approve 0 '' -- "$kiort" plan approve "$tmp/p/plan.json" --by "A. Physicist"
check report-approved 0 'approved' -- "$kiort" report "$tmp/p/plan.json" --out "$tmp/p/report2.pdf" --require-approved --dicom-out "$tmp/p/dicom2"
dcmdump "$tmp/p/dicom2/RTPLAN.dcm" | grep -q '\[APPROVED\].*ApprovalStatus' && ok || fail "approved RTPLAN lacks APPROVED"
if command -v dciodvfy >/dev/null; then
  out=$(dciodvfy "$tmp/p/dicom2/RTPLAN.dcm" 2>&1)
  grep -q '^Error' <<<"$out" && fail "dciodvfy approved RTPLAN: $(grep '^Error' <<<"$out")" || ok
fi

echo "rtexport e2e: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
