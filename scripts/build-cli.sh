#!/usr/bin/env bash
# Builds the vuhitra-cli image with BuildKit and prints its size.
#
# Usage: scripts/build-cli.sh [TAG] [extra docker build arguments...]
#   TAG defaults to vuhitra-cli:latest.
# Environment:
#   BUILDER_IMAGE  base of the builder stage (default: the Dockerfile's, rust:1.95-bookworm).
#                  Where no registry is reachable, build one locally first:
#                  BUILDER_IMAGE=$(scripts/docker/make-base-images.sh) scripts/build-cli.sh
#   DOCKER         the docker client to use; it must speak BuildKit (default: docker).
set -euo pipefail

cd "$(dirname "$0")/.."
tag="${1:-vuhitra-cli:latest}"
shift || true
docker_cli="${DOCKER:-docker}"

build_args=(--build-arg "VUHITRA_GIT_COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)")
if [[ -n "${BUILDER_IMAGE:-}" ]]; then
  build_args+=(--build-arg "BUILDER_IMAGE=$BUILDER_IMAGE")
fi

started=$(date +%s)
DOCKER_BUILDKIT=1 "$docker_cli" build --progress=plain -t "$tag" "${build_args[@]}" "$@" . >&2
elapsed=$(( $(date +%s) - started ))

size_bytes=$("$docker_cli" image inspect --format '{{.Size}}' "$tag")
awk -v tag="$tag" -v seconds="$elapsed" -v bytes="$size_bytes" \
  'BEGIN { printf "image %s built in %d s, size %d bytes (%.1f MB)\n", tag, seconds, bytes, bytes / 1e6 }'
