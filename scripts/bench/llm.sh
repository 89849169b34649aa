#!/usr/bin/env bash
# Benchmarks `vuhitra chat` against a raw curl request to the same llama.cpp
# server in the same run: time to first token and total time over 20
# prompts, then the binary's start-up time (`vuhitra --version`).
#
# Usage: scripts/bench/llm.sh [MAX_TOKENS]   (default 32 tokens per answer)
#
# Targets: vuhitra adds under 5 ms to the time to first token, and starts in
# under 10 ms. The server comes from scripts/services/llama.sh (started here
# unless VUHITRA_TEST_LLAMA_URL is already set); the binary is built in
# release mode with every feature. Needs python3 and curl; uses hyperfine
# for the start-up time when it is installed.
set -euo pipefail

max_tokens="${1:-32}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
binary="$target_dir/release/vuhitra"

echo "building the release binary in $target_dir" >&2
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p vuhitra

started_server=0
if [[ -z "${VUHITRA_TEST_LLAMA_URL:-}" ]]; then
    "$root/scripts/services/llama.sh" start >/dev/null
    started_server=1
    set -a
    # shellcheck disable=SC1091
    . "${VUHITRA_DEV_CACHE:-$HOME/.cache/vuhitra-dev}/llama/run/llama.env"
    set +a
fi
cleanup() {
    if ((started_server)); then
        "$root/scripts/services/llama.sh" stop
    fi
    rm -f "$prompts"
}
prompts="$(mktemp)"
trap cleanup EXIT

cat >"$prompts" <<'EOF'
What is a CSV file?
Explain the median in one sentence.
Name three uses of a pivot table.
What does a null value mean in a dataset?
Give one reason to normalise a database.
What is an outlier?
Define standard deviation briefly.
What is the difference between mean and mode?
Why do analysts clean data?
What is a histogram used for?
Name a common date format.
What does ETL stand for?
Explain a left join in one sentence.
What is sentiment analysis?
Why sample a large dataset?
What is a time series?
Name two chart types for comparisons.
What is a primary key?
What does correlation measure?
Give a tip for naming columns.
EOF

echo "server: $VUHITRA_TEST_LLAMA_URL  model: $VUHITRA_TEST_LLAMA_MODEL  max tokens: $max_tokens" >&2
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 "$root/scripts/bench/llm_timing.py" "$binary" "$VUHITRA_TEST_LLAMA_URL" \
    "$VUHITRA_TEST_LLAMA_MODEL" "$prompts" "$max_tokens"

echo
echo "start-up: vuhitra --version"
if command -v hyperfine >/dev/null 2>&1; then
    export_file="$(mktemp)"
    hyperfine --shell=none --warmup 20 --runs 200 --export-json "$export_file" "$binary --version" >&2
    python3 - "$export_file" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
mean_ms = result["mean"] * 1000
verdict = "met" if mean_ms < 10 else "NOT met"
print(f"start-up mean {mean_ms:.2f} ms, median {result['median'] * 1000:.2f} ms "
      f"(min {result['min'] * 1000:.2f}, max {result['max'] * 1000:.2f}); target under 10 ms: {verdict}")
PY
    rm -f "$export_file"
else
    python3 - "$binary" <<'PY'
import statistics, subprocess, sys, time
samples = []
for _ in range(200):
    started = time.perf_counter()
    subprocess.run([sys.argv[1], "--version"], stdout=subprocess.DEVNULL, check=True)
    samples.append((time.perf_counter() - started) * 1000)
mean_ms = statistics.mean(samples)
verdict = "met" if mean_ms < 10 else "NOT met"
print(f"start-up mean {mean_ms:.2f} ms, median {statistics.median(samples):.2f} ms "
      f"(hyperfine not installed; includes Python's process spawn); target under 10 ms: {verdict}")
PY
fi
