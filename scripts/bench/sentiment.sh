#!/usr/bin/env bash
# Benchmarks `vuhitra nlp sentiment --format jsonl` against vaderSentiment 3.3.2 in one run.
#
# Input: every text of the shared sentiment files (the third tab-separated field), cycled
# until there are BENCH_LINES lines (default 100000), one text per line. Each of these
# runs under /usr/bin/time -v:
#   - vaderSentiment 3.3.2 in one Python process (scripts/bench/sentiment_vader.py);
#   - vuhitra nlp sentiment --file INPUT --format jsonl --threads 1 (release build);
#   - the same with --threads 0 (every core).
# All three write the same JSON Lines, {"text","neg","neu","pos","compound"} per text, and
# the outputs are compared byte for byte before any figure is printed.
#
# Printed: wall time, CPU time (user + system) and peak memory (maximum resident set size)
# of each run, the Python scoring time without the import and lexicon loading, and the
# speed-ups: Python wall / vuhitra wall, the stricter Python scoring time / vuhitra wall
# (target >= 20 single-threaded), and Python CPU / vuhitra CPU. On a busy machine wall
# times of short runs include waiting for a core, so the CPU ratio is the steadier one.
#
# Environment:
#   BENCH_DIR            where the input and outputs go (default /tmp/vuhitra-bench)
#   BENCH_LINES          lines of input (default 100000)
#   CARGO_TARGET_DIR     cargo's target directory (default <repo>/target)
#   VUHITRA_SHARED_DATA  shared data folder (default <repo>/../shared/data)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench_dir="${BENCH_DIR:-/tmp/vuhitra-bench}"
lines="${BENCH_LINES:-100000}"
target="${CARGO_TARGET_DIR:-$repo/target}"
shared="${VUHITRA_SHARED_DATA:-$repo/../shared/data}"
cores="$(nproc)"
mkdir -p "$bench_dir"

if [[ ! -x /usr/bin/time ]]; then
    echo "error: /usr/bin/time is missing; install it with: apt-get install time" >&2
    exit 1
fi
if ! compgen -G "$shared/sentiment/*.txt" > /dev/null; then
    echo "error: no sentiment files in $shared/sentiment; set VUHITRA_SHARED_DATA" >&2
    exit 1
fi

echo "building the release binary" >&2
(cd "$repo" && CARGO_TARGET_DIR="$target" cargo build --quiet --release -p vuhitra)
vuhitra="$target/release/vuhitra"

python="$(bash "$repo/scripts/reference/setup-vader.sh" | tail -n 1)"

input="$bench_dir/sentiment-input.txt"
"$python" - "$shared/sentiment" "$lines" "$input" <<'PY'
import pathlib, sys
folder, wanted, output = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
texts = []
for path in sorted(folder.glob("*.txt")):
    for row in path.read_bytes().decode("utf-8").split("\n"):
        if row.endswith("\r"):
            row = row[:-1]
        if row:
            texts.append(row.split("\t", 2)[2])
with open(output, "w", encoding="utf-8", newline="\n") as out:
    for i in range(wanted):
        out.write(texts[i % len(texts)] + "\n")
print(f"{wanted} lines cycled from {len(texts)} distinct texts", file=sys.stderr)
PY

# Runs a command under /usr/bin/time -v and prints
# "wall_seconds cpu_seconds kilobytes score_seconds".
measure() {
    local log
    log="$(mktemp)"
    if ! /usr/bin/time -v "$@" > /dev/null 2> "$log"; then
        echo "error: command failed: $*" >&2
        cat "$log" >&2
        rm -f "$log"
        exit 1
    fi
    local wall cpu kb inner
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")"
    cpu="$(awk -F': ' '/User time|System time/ {sum += $2} END {print sum}' "$log")"
    kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
    inner="$(awk -F'=' '/^score_seconds=/ {print $2}' "$log")"
    rm -f "$log"
    # /usr/bin/time prints the wall time as h:mm:ss or m:ss.ss.
    awk -v wall="$wall" -v cpu="$cpu" -v kb="$kb" -v inner="${inner:--}" 'BEGIN {
        n = split(wall, parts, ":"); seconds = 0
        for (i = 1; i <= n; i++) seconds = seconds * 60 + parts[i]
        printf "%.2f %.2f %d %s\n", seconds, cpu, kb, inner
    }'
}

out="$bench_dir/sentiment-output"
echo "timing on $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
read -r py_s py_cpu py_kb py_inner <<< "$(measure "$python" "$repo/scripts/bench/sentiment_vader.py" "$input" "$out-python.jsonl")"
read -r one_s one_cpu one_kb _ <<< "$(measure sh -c '"$0" --no-config -q nlp sentiment --file "$1" --format jsonl --threads 1 > "$2"' "$vuhitra" "$input" "$out-vuhitra-1.jsonl")"
read -r all_s all_cpu all_kb _ <<< "$(measure sh -c '"$0" --no-config -q nlp sentiment --file "$1" --format jsonl --threads 0 > "$2"' "$vuhitra" "$input" "$out-vuhitra-all.jsonl")"

for run in vuhitra-1 vuhitra-all; do
    if ! cmp -s "$out-python.jsonl" "$out-$run.jsonl"; then
        echo "error: $out-$run.jsonl differs from $out-python.jsonl" >&2
        exit 1
    fi
done
echo "all three outputs are identical ($(wc -l < "$out-python.jsonl") records)" >&2

printf '\n%-42s %8s %8s %10s %10s\n' "run ($lines texts)" "wall s" "cpu s" "peak MiB" "score s"
for row in \
    "vaderSentiment 3.3.2, 1 Python process:$py_s:$py_cpu:$py_kb:$py_inner" \
    "vuhitra nlp sentiment --threads 1:$one_s:$one_cpu:$one_kb:-" \
    "vuhitra nlp sentiment --threads 0 ($cores cores):$all_s:$all_cpu:$all_kb:-"; do
    IFS=: read -r label seconds cpu kb inner <<< "$row"
    awk -v label="$label" -v seconds="$seconds" -v cpu="$cpu" -v kb="$kb" -v inner="$inner" \
        'BEGIN { printf "%-42s %8s %8s %10.1f %10s\n", label, seconds, cpu, kb / 1024, inner }'
done

awk -v py="$py_s" -v py_inner="$py_inner" -v one="$one_s" -v all="$all_s" \
    -v py_cpu="$py_cpu" -v one_cpu="$one_cpu" -v py_kb="$py_kb" -v one_kb="$one_kb" 'BEGIN {
    # /usr/bin/time reports 0.00 for runs under 10 ms; count those as 10 ms.
    if (one <= 0) one = 0.01
    if (all <= 0) all = 0.01
    if (one_cpu <= 0) one_cpu = 0.01
    printf "\nsingle-threaded: Python wall / vuhitra wall %.1fx; Python scoring time / vuhitra wall %.1fx (target >= 20)\n", py / one, py_inner / one
    printf "single-threaded: Python CPU time / vuhitra CPU time %.1fx\n", py_cpu / one_cpu
    printf "all cores:       Python wall / vuhitra wall %.1fx; vuhitra 1 thread / all cores %.2fx\n", py / all, one / all
    printf "memory:          vuhitra peak %.2f of Python peak\n", one_kb / py_kb
}'
