#!/usr/bin/env bash
# Benchmarks `vuhitra nlp tokens --format jsonl` against spaCy's tokenizer in the same run.
#
# The input is every text of the shared sentiment files (the third tab-separated field),
# repeated until it has BENCH_LINES lines (default 100000), one text per line. On it, with
# /usr/bin/time -v, the script times:
#   - spaCy 3.8, spacy.blank("en") tokenizer, one process, and nlp.pipe with one process
#     per core;
#   - spaCy 3.8, the tokenizer of en_core_web_sm 3.8.0 (every other component excluded),
#     one process;
#   - vuhitra nlp tokens --file INPUT --format jsonl (release build), --threads 1 and
#     --threads 0 (every core), each BENCH_REPEAT times (default 3), keeping the fastest,
#     because a run of a few tenths of a second is easily slowed by other processes.
# Every run writes the same JSON Lines, {"text","tokens","ws"} per text, to a file; the
# outputs are compared byte for byte before any figure is printed.
#
# It prints wall time and peak memory (maximum resident set size) of each run, spaCy's own
# time for tokenizing and encoding (without importing spaCy and loading the pipeline), and
# the speed-ups: spaCy wall time / vuhitra wall time, and the stricter spaCy tokenizing
# time / vuhitra wall time (target >= 10 single-threaded).
#
# Environment:
#   BENCH_DIR            where the input and outputs go (default /tmp/vuhitra-bench)
#   BENCH_LINES          lines of input (default 100000)
#   BENCH_REPEAT         runs of each vuhitra configuration (default 3)
#   CARGO_TARGET_DIR     cargo's target directory (default <repo>/target)
#   VUHITRA_SHARED_DATA  shared data folder (default <repo>/../shared/data)
#   NLP_MODEL_PATH       model directory (default: installed by scripts/get-nlp-model.sh)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench_dir="${BENCH_DIR:-/tmp/vuhitra-bench}"
lines="${BENCH_LINES:-100000}"
repeat="${BENCH_REPEAT:-3}"
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

python="$(bash "$repo/scripts/reference/setup-spacy.sh" | tail -n 1)"
model_dir="${NLP_MODEL_PATH:-$(bash "$repo/scripts/get-nlp-model.sh")}"
export NLP_MODEL_PATH="$model_dir"

input="$bench_dir/tokens-input.txt"
"$python" - "$shared/sentiment" "$lines" "$input" <<'PY'
import pathlib, sys
folder, line_count, output = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
texts = []
for path in sorted(folder.glob("*.txt")):
    rows = path.read_bytes().decode("utf-8").split("\n")
    for row in rows:
        if row.endswith("\r"):
            row = row[:-1]
        if row:
            texts.append(row.split("\t", 2)[2])
with open(output, "w", encoding="utf-8", newline="\n") as out:
    for i in range(line_count):
        out.write(texts[i % len(texts)] + "\n")
print(f"{line_count} lines from {len(texts)} distinct texts", file=sys.stderr)
PY

# Runs a command under /usr/bin/time -v; prints "seconds kilobytes spacy_seconds".
measure() {
    local log
    log="$(mktemp)"
    /usr/bin/time -v "$@" > /dev/null 2> "$log" || {
        echo "error: command failed: $*" >&2
        cat "$log" >&2
        rm -f "$log"
        exit 1
    }
    local wall kb inner
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")"
    kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
    inner="$(awk -F'=' '/^tokenize_seconds=/ {print $2}' "$log")"
    rm -f "$log"
    # Wall time is h:mm:ss or m:ss.ss; convert to seconds.
    awk -v wall="$wall" -v kb="$kb" -v inner="${inner:--}" 'BEGIN {
        n = split(wall, parts, ":"); seconds = 0
        for (i = 1; i <= n; i++) seconds = seconds * 60 + parts[i]
        printf "%.2f %d %s\n", seconds, kb, inner
    }'
}

# Runs `measure` $repeat times; prints the line of the fastest run.
fastest() {
    local best="" line
    for _ in $(seq "$repeat"); do
        line="$(measure "$@")"
        if [[ -z "$best" ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
            best="$line"
        fi
    done
    echo "$best"
}

out="$bench_dir/tokens-output"
echo "timing on $cores cores" >&2
read -r blank_s blank_kb blank_inner <<< "$(measure "$python" "$repo/scripts/bench/tokens_spacy.py" --pipeline blank "$input" "$out-spacy-blank.jsonl")"
read -r model_s model_kb model_inner <<< "$(measure "$python" "$repo/scripts/bench/tokens_spacy.py" --pipeline model "$input" "$out-spacy-model.jsonl")"
read -r multi_s multi_kb multi_inner <<< "$(measure "$python" "$repo/scripts/bench/tokens_spacy.py" --pipeline blank --processes "$cores" "$input" "$out-spacy-blank-multi.jsonl")"
read -r one_s one_kb _ <<< "$(fastest sh -c '"$0" --no-config -q nlp tokens --file "$1" --format jsonl --threads 1 > "$2"' "$vuhitra" "$input" "$out-vuhitra-1.jsonl")"
read -r all_s all_kb _ <<< "$(fastest sh -c '"$0" --no-config -q nlp tokens --file "$1" --format jsonl --threads 0 > "$2"' "$vuhitra" "$input" "$out-vuhitra-all.jsonl")"

for other in spacy-model spacy-blank-multi vuhitra-1 vuhitra-all; do
    if ! cmp -s "$out-spacy-blank.jsonl" "$out-$other.jsonl"; then
        echo "error: $out-$other.jsonl differs from $out-spacy-blank.jsonl" >&2
        exit 1
    fi
done
echo "all five outputs are identical ($(wc -l < "$out-vuhitra-1.jsonl") records)" >&2

printf '\n%-44s %8s %10s %12s\n' "run ($lines texts; vuhitra: best of $repeat)" "wall s" "peak MiB" "tokenize s"
for run in \
    "spaCy blank(\"en\"), 1 process:$blank_s:$blank_kb:$blank_inner" \
    "spaCy en_core_web_sm tokenizer, 1 process:$model_s:$model_kb:$model_inner" \
    "spaCy blank(\"en\"), $cores processes:$multi_s:$multi_kb:$multi_inner" \
    "vuhitra nlp tokens --threads 1:$one_s:$one_kb:-" \
    "vuhitra nlp tokens --threads 0 ($cores cores):$all_s:$all_kb:-"; do
    IFS=: read -r label seconds kb inner <<< "$run"
    printf '%-44s %8s %10.1f %12s\n' "$label" "$seconds" "$(echo "$kb / 1024" | bc -l)" "$inner"
done

awk -v blank="$blank_s" -v blank_inner="$blank_inner" -v model="$model_s" -v model_inner="$model_inner" \
    -v multi="$multi_s" -v one="$one_s" -v all="$all_s" -v one_kb="$one_kb" -v blank_kb="$blank_kb" 'BEGIN {
    if (one <= 0) one = 0.01
    if (all <= 0) all = 0.01
    printf "\nsingle-threaded: spaCy blank wall / vuhitra wall %.1fx; spaCy blank tokenize time / vuhitra wall %.1fx (target >= 10)\n", blank / one, blank_inner / one
    printf "single-threaded: en_core_web_sm tokenizer wall / vuhitra wall %.1fx; its tokenize time / vuhitra wall %.1fx\n", model / one, model_inner / one
    printf "all cores:       spaCy blank multi-process wall / vuhitra wall %.1fx; spaCy blank 1 process / vuhitra all cores %.1fx\n", multi / all, blank / all
    printf "memory:          vuhitra peak %.2f of spaCy blank peak\n", one_kb / blank_kb
}'
