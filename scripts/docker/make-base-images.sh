#!/usr/bin/env bash
# Builds the image the Dockerfile's builder stage starts FROM, for machines
# that cannot pull images from a registry.
#
# The image is a Debian bookworm root filesystem made with debootstrap from
# Debian's package archive, plus the Rust toolchain installed on this machine
# (the one `rustc --print sysroot` names). The final stage needs no base
# image: it is `scratch`.
#
# Usage: scripts/docker/make-base-images.sh [--force]
# Prints the image name to pass as `--build-arg BUILDER_IMAGE=...`.
# Needs root (debootstrap), docker and a Rust toolchain. Takes about two
# minutes the first time; later runs reuse the image unless --force is given.
set -euo pipefail

image="${VUHITRA_BUILDER_IMAGE:-vuhitra-builder-base:bookworm}"
docker_cli="${DOCKER:-docker}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
force=0
[[ "${1:-}" == "--force" ]] && force=1

if [[ $force -eq 0 ]] && "$docker_cli" image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "installing debootstrap from Debian's archive" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi

sysroot="$(rustc --print sysroot)"
rust_version="$(rustc --version | awk '{print $2}')"
work="$(mktemp -d "${TMPDIR:-/tmp}/vuhitra-base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "debootstrap bookworm into $rootfs (a few minutes)" >&2
started=$(date +%s)
debootstrap --variant=minbase \
  --include=build-essential,pkg-config,ca-certificates,curl,python3,git \
  bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  echo "error: debootstrap failed; see the log lines above" >&2
  exit 1
}

# Trust the certificate authorities this machine adds to Debian's (for example
# a proxy's), so the builder reaches crates.io the way this machine does.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null
fi

echo "copying Rust $rust_version from $sysroot" >&2
mkdir -p "$rootfs/usr/local/rust" "$rootfs/usr/local/cargo"
# Documentation is a third of the toolchain and no build reads it.
tar -C "$sysroot" --exclude='./share/doc' -cf - . | tar -C "$rootfs/usr/local/rust" -xf -
rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*

echo "importing $image" >&2
tar -C "$rootfs" -cf - . | "$docker_cli" import \
  --change 'ENV PATH=/usr/local/rust/bin:/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV CARGO_HOME=/usr/local/cargo' \
  --change "ENV RUST_VERSION=$rust_version" \
  --change 'WORKDIR /' \
  - "$image" >/dev/null

echo "built $image in $(( $(date +%s) - started )) s" >&2
echo "$image"
