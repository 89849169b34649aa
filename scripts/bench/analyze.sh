#!/usr/bin/env bash
# Benchmarks `vuhitra analyze --format json` against pandas in the same run.
#
# For each input (a generated 10-million-row mixed table and the shared weather.csv) it
# times, with /usr/bin/time -v:
#   - reading the file once: `cat FILE > /dev/null` (page cache) and a Polars read-only
#     pass (the read_csv example);
#   - vuhitra analyze FILE --format json --force (release build), and the same with
#     --cache-key, which also writes the frame to an embedded store under BENCH_DIR, and on
#     the generated table with --sentiment comment, which scores every comment with VADER
#     (the other runs score a sample of 10,000);
#   - pandas: read_csv + describe(include="all") + corr(numeric_only=True).
# It prints wall time and peak memory (maximum resident set size) of each, and the ratios
# the targets are stated in: pandas time / vuhitra time (target >= 4), vuhitra memory /
# pandas memory (target <= 0.5) and vuhitra time / Polars read time (target <= 3).
#
# Environment:
#   BENCH_DIR     where the generated table goes (default /tmp/vuhitra-bench)
#   BENCH_ROWS    rows of the generated table (default 10000000)
#   CARGO_TARGET_DIR  cargo's target directory (default <repo>/target)
#   BENCH_SKIP_BUILD  set to 1 to use the release binaries already built there
#   VUHITRA_SHARED_DATA  shared data folder (default <repo>/../shared/data)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench_dir="${BENCH_DIR:-/tmp/vuhitra-bench}"
rows="${BENCH_ROWS:-10000000}"
target="${CARGO_TARGET_DIR:-$repo/target}"
shared="${VUHITRA_SHARED_DATA:-$repo/../shared/data}"
mkdir -p "$bench_dir"
cache_home="$bench_dir/cache-home"

if [[ ! -x /usr/bin/time ]]; then
    echo "error: /usr/bin/time is missing; install it with: apt-get install time" >&2
    exit 1
fi

build_log="$bench_dir/build.log"
if [[ "${BENCH_SKIP_BUILD:-0}" == 1 ]]; then
    echo "using the release binaries already in $target (BENCH_SKIP_BUILD=1)" >&2
else
    echo "building release binaries (vuhitra as shipped, the analytics examples)" >&2
    if ! (cd "$repo" \
        && CARGO_TARGET_DIR="$target" cargo build --release -p vuhitra \
        && CARGO_TARGET_DIR="$target" cargo build --release -p vuhitra-analytics --examples) \
        > "$build_log" 2>&1; then
        cat "$build_log" >&2
        echo "error: the release build failed (log above)" >&2
        exit 1
    fi
fi
vuhitra="$target/release/vuhitra"
read_csv="$target/release/examples/read_csv"
generate="$target/release/examples/generate_table"

python="$(bash "$repo/scripts/reference/setup-pandas.sh" | tail -n 1)"

table="$bench_dir/mixed-$rows.csv"
if [[ ! -s "$table" ]]; then
    echo "generating $rows rows into $table (seed 42)" >&2
    "$generate" "$rows" "$table" 42
fi

inputs=("$table")
if [[ -f "$shared/tables/weather.csv" ]]; then
    inputs+=("$shared/tables/weather.csv")
else
    echo "warning: $shared/tables/weather.csv not found; benchmarking the generated table only" >&2
fi

pandas_script="$bench_dir/pandas_profile.py"
cat > "$pandas_script" <<'PY'
import sys

import pandas as pd

frame = pd.read_csv(sys.argv[1])
described = frame.describe(include="all")
correlations = frame.corr(numeric_only=True)
print(f"{len(frame)} rows, describe {described.shape}, corr {correlations.shape}")
PY

# Runs a command under /usr/bin/time -v; prints "seconds kilobytes", or fails with the
# command's output.
measure() {
    local log
    log="$(mktemp)"
    if ! /usr/bin/time -v "$@" > /dev/null 2> "$log"; then
        echo "error: command failed: $*" >&2
        grep -v '^\s' "$log" >&2
        rm -f "$log"
        return 1
    fi
    local wall kb
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")"
    kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
    rm -f "$log"
    # Wall time is h:mm:ss or m:ss.ss; convert to seconds.
    awk -v wall="$wall" -v kb="$kb" 'BEGIN {
        n = split(wall, parts, ":"); seconds = 0
        for (i = 1; i <= n; i++) seconds = seconds * 60 + parts[i]
        printf "%.2f %d\n", seconds, kb
    }'
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-28s %-22s %10s %12s\n' "file" "run" "wall s" "peak MiB"
for input in "${inputs[@]}"; do
    name="$(basename "$input")"
    size_mib=$(( $(stat -c %s "$input") / 1048576 ))

    # Warm the page cache so every run reads from memory.
    cat "$input" > /dev/null

    cat_run="$(measure cat "$input")" || exit 1
    read_run="$(measure "$read_csv" "$input")" || exit 1
    ours_run="$(measure "$vuhitra" --no-config -q analyze "$input" --format json --force)" || exit 1
    cached_run="$(measure env XDG_CACHE_HOME="$cache_home" "$vuhitra" --no-config -q analyze "$input" --format json --force --cache-key bench)" || exit 1
    rm -rf "$cache_home"
    # The generated table's free-text column, scored whole; the runs above score a sample.
    sentiment_run="- 0"
    if [[ "$input" == "$table" ]]; then
        sentiment_run="$(measure "$vuhitra" --no-config -q analyze "$input" --format json --force --sentiment comment)" || exit 1
    fi
    pandas_run="$(measure env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$pandas_script" "$input")" || exit 1
    read -r cat_s cat_kb <<< "$cat_run"
    read -r read_s read_kb <<< "$read_run"
    read -r ours_s ours_kb <<< "$ours_run"
    read -r cached_s cached_kb <<< "$cached_run"
    read -r sentiment_s sentiment_kb <<< "$sentiment_run"
    read -r pandas_s pandas_kb <<< "$pandas_run"

    for run in "cat:$cat_s:$cat_kb" "polars read:$read_s:$read_kb" "vuhitra analyze:$ours_s:$ours_kb" "  with --cache-key:$cached_s:$cached_kb" "  with --sentiment comment:$sentiment_s:$sentiment_kb" "pandas:$pandas_s:$pandas_kb"; do
        IFS=: read -r label seconds kb <<< "$run"
        [[ "$seconds" == - ]] && continue
        printf '%-28s %-22s %10s %12.1f\n' "$name ($size_mib MiB)" "$label" "$seconds" "$(echo "$kb / 1024" | bc -l)"
    done
    awk -v ours="$ours_s" -v pandas="$pandas_s" -v ours_kb="$ours_kb" -v pandas_kb="$pandas_kb" \
        -v read="$read_s" -v cat="$cat_s" -v name="$name" 'BEGIN {
        printf "%-28s speed-up over pandas %.2fx (target >= 4), memory %.2f of pandas (target <= 0.5),\n", name, pandas / (ours > 0 ? ours : 0.01), ours_kb / pandas_kb
        printf "%-28s time %.2fx the Polars read and %.2fx cat (target <= 3x reading once)\n", "", ours / (read > 0 ? read : 0.01), ours / (cat > 0 ? cat : 0.01)
    }'
    awk -v ours="$ours_s" -v ours_kb="$ours_kb" -v cached="$cached_s" -v cached_kb="$cached_kb" 'BEGIN {
        printf "%-28s --cache-key (embedded store) added %.2f s and %.1f MiB of peak memory\n", "", cached - ours, (cached_kb - ours_kb) / 1024
    }'
    if [[ "$sentiment_s" != - ]]; then
        awk -v ours="$ours_s" -v scored="$sentiment_s" 'BEGIN {
            printf "%-28s scoring every comment instead of a sample of 10,000 added %.2f s\n", "", scored - ours
        }'
    fi
done
