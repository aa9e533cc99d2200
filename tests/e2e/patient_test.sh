#!/usr/bin/env bash
# kiort phantom vertebra and kiort ct info as a user runs them: the phantom's DICOM passes
# dciodvfy, ct info reads it back (JSON checked), the real data in tests/data loads, and broken
# copies of the phantom (missing slice, text file, truncated file, other frame of reference, mixed
# series) give exit 2 or a warning, as docs/patient.md says.
set -u
kiort=$1
data=$2
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check phantom 0 '' -- "$kiort" -q phantom vertebra --level L1 --lesion lytic --voxel-mm 2 --out "$tmp/ph"
check phantom-bad-level 2 'T1..T12 or L1..L5' -- "$kiort" phantom vertebra --level L9 --out "$tmp/x"
check phantom-bad-lesion 2 'lytic, blastic, mixed or none' -- "$kiort" phantom vertebra --lesion odd --out "$tmp/x"
[[ -s $tmp/ph/RS.dcm && -s $tmp/ph/CT_0001.dcm ]] && ok || fail "phantom files missing"
# Rewriting into an earlier phantom's folder replaces it (no stale slices of a longer series);
# a folder with other files is refused.
check phantom-rewrite 0 '' -- "$kiort" -q phantom vertebra --level L5 --voxel-mm 2 --out "$tmp/re"
check phantom-rewrite-l1 0 '' -- "$kiort" -q phantom vertebra --level T1 --voxel-mm 4 --out "$tmp/re"
check phantom-rewrite-reads 0 'VB_T1' -- "$kiort" ct info "$tmp/re"
mkdir -p "$tmp/busy" && echo x > "$tmp/busy/keep.txt"
check phantom-busy-folder 2 'keep.txt' -- "$kiort" phantom vertebra --out "$tmp/busy"
ls -a "$tmp/ph" | grep -q '\.tmp\.' && fail "temporary files left" || ok

if command -v dciodvfy >/dev/null; then
  for f in CT_0001.dcm CT_0028.dcm RS.dcm; do
    out=$(dciodvfy "$tmp/ph/$f" 2>&1)
    grep -q '^Error' <<<"$out" && fail "dciodvfy $f: $(grep '^Error' <<<"$out")" || ok
  done
else
  echo "SKIP dciodvfy (dicom3tools not installed)"
fi

json=$("$kiort" -q ct info "$tmp/ph" --json) && ok || fail "ct info on the phantom"
if command -v python3 >/dev/null; then
  python3 - "$json" <<'PY' && ok || fail "ct info JSON on the phantom"
import json, sys
j = json.loads(sys.argv[1])
assert j["dims"] == [63, 72, 55], j["dims"]
assert j["spacing_mm"] == [2.0, 2.0, 2.0]
assert j["direction"] == [1, 0, 0, 0, 1, 0, 0, 0, 1]
assert j["hu_min"] == -1000 and j["hu_max"] == 1500, (j["hu_min"], j["hu_max"])
assert j["patient_id"] == "KIORT-PHANTOM"
names = [s["name"] for s in j["structures"]]
assert names == ["BODY", "VB_L1", "CTV", "Pedicle_L", "Pedicle_R", "SpinalCanal", "SpinalCord",
                 "VB_T12", "VB_L2"], names
vb = [s for s in j["structures"] if s["name"] == "VB_L1"][0]["volume_cc"]
assert 20 < vb < 35, vb
assert j["warnings"] == []
PY
fi

# Real data (tests/data): the JPEG 2000 CT series and the TotalSegmentator NIfTI with labels.
check real-dicom 0 '^ +-804.5$' -- "$kiort" ct info "$data/spine-ct/example_ct_dicom" --json
check real-dicom-warns 0 'only in the file meta header' -- "$kiort" ct info "$data/spine-ct/example_ct_dicom"
check real-nifti 0 'vertebrae_L1 +31' -- "$kiort" ct info "$data/spine-ct/example_ct.nii.gz" --labels "$data/spine-ct/totalseg.nii.gz"

# Broken copies of the phantom series.
cp -r "$tmp/ph" "$tmp/missing" && rm "$tmp/missing/CT_0020.dcm"
check missing-slice 2 'CT_0019.dcm.*missing slice' -- "$kiort" ct info "$tmp/missing"
cp -r "$tmp/ph" "$tmp/text" && echo "not an image" > "$tmp/text/readme.txt"
check text-file-warns 0 'readme.txt: not a DICOM file' -- "$kiort" ct info "$tmp/text"
cp -r "$tmp/ph" "$tmp/trunc" && truncate -s 5000 "$tmp/trunc/CT_0007.dcm"
check truncated 2 'CT_0007.dcm' -- "$kiort" ct info "$tmp/trunc"
cp -r "$tmp/ph" "$tmp/mixed" && dcmodify -nb -m "(0020,000e)=1.2.3.4.5" "$tmp/mixed/CT_0003.dcm" >/dev/null 2>&1
check mixed-series 2 'several CT series' -- "$kiort" ct info "$tmp/mixed"
cp -r "$tmp/ph" "$tmp/frame" && dcmodify -nb -m "(0020,0052)=1.2.3.4.8" -m "(3006,0010)[0].(0020,0052)=1.2.3.4.8" "$tmp/frame/RS.dcm" >/dev/null 2>&1
check other-frame 2 'another Frame of Reference' -- "$kiort" ct info "$tmp/frame"
check no-such-path 2 'no such file' -- "$kiort" ct info "$tmp/nothing-here"

echo "patient e2e: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
