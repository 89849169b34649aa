#!/usr/bin/env bash
# Runs every test of the workspace against the real services the tests need,
# which this script installs (cached under $VUHITRA_DEV_CACHE) and starts:
#   - Redis Stack 7.4            scripts/services/redis.sh
#   - llama.cpp's llama-server   scripts/services/llama.sh (SmolLM2-135M-Instruct)
#   - the en_core_web_sm model   scripts/get-nlp-model.sh
# and stops the servers again when the tests end.
#
# Usage: scripts/test.sh [arguments for cargo test, e.g. -p vuhitra-nlp]
#
# With VUHITRA_CI=1 (the default here), a test that needs a service it was not
# given fails instead of skipping. The first run downloads packages from PyPI
# and Debian and compiles llama-server (about 6 minutes on 2 cores); later runs
# reuse the cache.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export VUHITRA_CI="${VUHITRA_CI:-1}"
export VUHITRA_DEV_CACHE="${VUHITRA_DEV_CACHE:-$HOME/.cache/vuhitra-dev}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/vuhitra-test.XXXXXX")"

log() { printf '[test.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
  scripts/services/llama.sh stop >/dev/null 2>&1 || true
  scripts/services/redis.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Services start in the background while cargo compiles the tests, since both
# take minutes; each writes the environment variables the tests read.
log "starting services in the background (logs in $logs)"
( scripts/services/redis.sh start > "$logs/redis.url" 2> "$logs/redis.log" ) &
redis_job=$!
( scripts/services/llama.sh start > "$logs/llama.env" 2> "$logs/llama.log" ) &
llama_job=$!
( scripts/get-nlp-model.sh > "$logs/nlp-model.path" 2> "$logs/nlp-model.log" ) &
model_job=$!

log "compiling the tests"
cargo test --workspace --all-features --no-run "$@"

wait_for() {
  local name="$1" job="$2" log_file="$3"
  if ! wait "$job"; then
    tail -n 40 "$log_file" >&2 || true
    log "error: $name failed to start; full log: $log_file"
    exit 1
  fi
  log "$name ready"
}
wait_for "Redis Stack" "$redis_job" "$logs/redis.log"
wait_for "llama-server" "$llama_job" "$logs/llama.log"
wait_for "the NLP model" "$model_job" "$logs/nlp-model.log"

VUHITRA_TEST_REDIS_URL="$(tail -n 1 "$logs/redis.url")"
export VUHITRA_TEST_REDIS_URL
set -a
# shellcheck disable=SC1091
source "$logs/llama.env"
set +a
NLP_MODEL_PATH="$(tail -n 1 "$logs/nlp-model.path")"
export NLP_MODEL_PATH
log "redis: $VUHITRA_TEST_REDIS_URL; llama-server: $VUHITRA_TEST_LLAMA_URL; model: $NLP_MODEL_PATH"

log "running the tests"
cargo test --workspace --all-features "$@"
log "all tests passed"
