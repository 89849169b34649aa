#!/usr/bin/env bash
# Builds the container image for real and checks what a user of it relies on.
# It starts as uid 1000 and its health check passes. The commands that need no
# server (analyze on a mounted file, nlp sentiment and nlp tokens with the model
# it carries) give the expected results. Fails on an image of 40 MB or more.
#
# Usage: scripts/test-image.sh [TAG]   (default vuhitra-cli:ci)
# Environment:
#   BUILDER_IMAGE  base of the builder stage. Unset, it is built from Debian's
#                  archive by scripts/docker/make-base-images.sh, since no
#                  registry can be reached on the project's machines.
#   DOCKER         a docker client that speaks BuildKit (default: /usr/bin/docker
#                  if present, else docker).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
tag="${1:-vuhitra-cli:ci}"
if [[ -z "${DOCKER:-}" ]]; then
  if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi
export DOCKER

log() { printf '[test-image.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

if [[ -z "${BUILDER_IMAGE:-}" ]]; then
  BUILDER_IMAGE="$(scripts/docker/make-base-images.sh)"
fi
export BUILDER_IMAGE

log "building $tag from $BUILDER_IMAGE"
scripts/build-cli.sh "$tag" 2> >(tail -n 60 >&2)

work="$(mktemp -d "${TMPDIR:-/tmp}/vuhitra-image-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
printf 'city,temp,code\nOslo,3.5,001\nLima,19.25,002\nOslo,4.0,003\n' > "$work/small.csv"
chmod 644 "$work/small.csv"

run() { "$DOCKER" run --rm "$@"; }

user="$("$DOCKER" image inspect --format '{{.Config.User}}' "$tag")"
[[ "$user" == "1000:1000" ]] || fail "the image runs as '$user', expected 1000:1000"
log "runs as $user"

health="$("$DOCKER" image inspect --format '{{json .Config.Healthcheck.Test}}' "$tag")"
[[ "$health" == *doctor* ]] || fail "the health check is '$health', expected a vuhitra doctor run"
run "$tag" -q doctor --local > /dev/null || fail "the self-check (doctor --local) failed"
log "health check: $health passes"

# Outputs are read whole before they are searched: grep -q closing the pipe
# early would make the docker client fail.
help="$(run "$tag" --help)"
grep -q "Usage: vuhitra" <<< "$help" || fail "--help printed no usage line"
version="$(run "$tag" --version)"
grep -q "^vuhitra " <<< "$version" || fail "--version printed '$version'"
log "version: $(head -n 1 <<< "$version")"

summary="$(run -v "$work:/data:ro" "$tag" analyze /data/small.csv --format json |
  python3 -c 'import json, sys; p = json.load(sys.stdin); print(p["rows"], p["columns"][2]["dtype"], p["columns"][1]["mean"])')"
[[ "$summary" == "3 text 8.916666666666666" ]] ||
  fail "analyze of a mounted CSV gave rows, code type and mean temperature '$summary'"
log "analyze of a mounted file: rows, code type, mean temperature: $summary"

compound="$(echo "The image works well!" | run -i "$tag" nlp sentiment --format jsonl |
  python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["compound"])')"
[[ "$compound" == "0.3382" ]] || fail "nlp sentiment gave compound $compound, expected 0.3382"
log "nlp sentiment: compound $compound"

tokens="$(run "$tag" nlp tokens --format jsonl "Don't stop, U.S.A.!" |
  python3 -c 'import json, sys; print(" | ".join(json.loads(sys.stdin.readline())["tokens"]))')"
[[ "$tokens" == "Do | n't | stop | , | U.S.A. | !" ]] || fail "nlp tokens gave '$tokens'"
log "nlp tokens with the image's model: $tokens"

size="$("$DOCKER" image inspect --format '{{.Size}}' "$tag")"
(( size < 40000000 )) || fail "the image is $size bytes, over the 40 MB target"
log "image size: $size bytes"
log "all image checks passed"
