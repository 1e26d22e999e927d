#!/usr/bin/env bash
# Times `procc check` on a generated project of LINES lines (default 100000) and prints
# the throughput in MB/s. Usage: scripts/check_throughput.sh [LINES] [PROCC]
# PROCC defaults to target/release/procc (build it first: cargo build --release).
set -euo pipefail
lines=${1:-100000}
procc=${2:-target/release/procc}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$(dirname "$0")/gen_large_project.py" "$lines" "$dir/project" >/dev/null
bytes=$(cat "$dir"/project/*.proc | wc -c)
best=""
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$procc" check "$dir/project" >/dev/null 2>&1
  end=$(date +%s.%N)
  elapsed=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$elapsed < $best" | bc -l)" = 1 ]; then best=$elapsed; fi
done
echo "lines=$lines bytes=$bytes best_of_3=${best}s throughput=$(echo "$bytes / $best / 1000000" | bc -l | cut -c1-6) MB/s"
