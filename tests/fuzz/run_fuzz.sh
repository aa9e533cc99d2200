#!/usr/bin/env bash
# One fuzz target for a bounded time (ctest label `fuzz`, and `make fuzz` for longer):
#   run_fuzz.sh TARGET_BINARY SECONDS WORK_DIR REGRESSION_DIR [SEED_FILES_OR_DIRS...]
# 1. Every minimal regression input (issue 18's defects) runs once: each must pass cleanly.
# 2. A fresh corpus from the seeds (real files from tests/data, data/ and the regressions) is
#    fuzzed for SECONDS under ASan+UBSan; a crash, leak, timeout (10 s per input) or allocation over
#    1 GiB fails the test and leaves the input in WORK_DIR/artifacts.
# Inputs made of several files (IAEA header + records, registry CSV folders) are packed into one
# seed as the target expects (see the target's comment).
set -euo pipefail
bin=$1 seconds=$2 work=$3 regress=$4
shift 4
name=$(basename "$bin")
rm -rf "$work/corpus" && mkdir -p "$work/corpus" "$work/artifacts" "$work/packed"

pack() {  # pack FILE_OR_DIR -> seed files in $work/packed
  local src=$1
  case "$name" in
    fuzz_phase_space)
      for h in $(find "$src" -name '*.IAEAheader' | sort); do
        { cat "$h"; printf '\0'; cat "${h%.IAEAheader}.IAEAphsp" 2>/dev/null || true; } \
          > "$work/packed/$(basename "$h" .IAEAheader)"
      done ;;
    fuzz_registry_csv)  # a folder of table CSVs is one seed; a folder of such folders, several
      if [[ -z $(find "$src" -maxdepth 1 -name '*.csv') ]]; then
        for d in "$src"/*/; do [[ -d $d ]] && pack "${d%/}"; done
        return
      fi
      local out="$work/packed/$(basename "$src")"
      : > "$out"
      for f in $(find "$src" -maxdepth 1 -name '*.csv' | sort); do
        { printf '%s\n' "$(basename "$f")"; cat "$f"; printf '\0'; } >> "$out"
      done ;;
    *)
      if [[ -d $src ]]; then find "$src" -type f ! -name '*.md' -exec cp {} "$work/packed/" \;
      else cp "$src" "$work/packed/"; fi ;;
  esac
}

rm -rf "$work/packed"/*
if [[ -d $regress ]]; then pack "$regress"; fi
mapfile -t regressions < <(find "$work/packed" -type f | sort)
if [[ ${#regressions[@]} -gt 0 ]]; then
  echo "== $name: ${#regressions[@]} regression input(s)"
  "$bin" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 "${regressions[@]}"
fi
for s in "$@"; do pack "$s"; done
cp "$work/packed"/* "$work/corpus/" 2>/dev/null || true
echo "== $name: fuzzing $seconds s from $(ls "$work/corpus" | wc -l) seed(s)"
"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
  -max_len=1048576 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus"
