#!/usr/bin/env bash
# Reduces a copy of the workspace to its manifests, Cargo.lock and empty
# targets, so the image's dependency layer changes only when they do.
#
# Every crate keeps the kinds of target it had: an empty `src/lib.rs`, and a
# `fn main() {}` for `src/main.rs`. Each target a manifest declares by name
# ([[bin]], [[example]], [[bench]], [[test]]) gets a `fn main() {}` too, at the
# path the manifest gives or cargo's default one, because cargo rejects a
# manifest whose declared target has no file.
#
# Usage: stub-workspace.sh DIR   (run inside the Dockerfile's manifests stage;
# it deletes every other file under DIR)
set -euo pipefail

root="${1:?usage: stub-workspace.sh DIR}"
cd "$root"

# Prints the source path of each target a manifest declares by name.
declared_targets() {
  awk '
    function flush() {
      if (kind != "" && name != "") {
        print (path != "" ? path : dirs[kind] "/" name ".rs")
      }
      kind = ""; name = ""; path = ""
    }
    BEGIN { dirs["bin"] = "src/bin"; dirs["example"] = "examples"; dirs["bench"] = "benches"; dirs["test"] = "tests" }
    /^\[\[(bin|example|bench|test)\]\]/ { flush(); kind = $0; gsub(/[][ ]/, "", kind); next }
    /^\[/ { flush(); next }
    kind != "" && $1 == "name" { name = $3; gsub(/"/, "", name) }
    kind != "" && $1 == "path" { path = $3; gsub(/"/, "", path) }
    END { flush() }
  ' "$1"
}

plan="$(mktemp)"
find . -name Cargo.toml -not -path './Cargo.toml' -printf '%h\n' | while read -r crate; do
  [[ -f "$crate/src/lib.rs" ]] && echo "lib $crate/src/lib.rs"
  [[ -f "$crate/src/main.rs" ]] && echo "main $crate/src/main.rs"
  declared_targets "$crate/Cargo.toml" | while read -r target; do
    echo "main $crate/$target"
  done
done | sort -u > "$plan"

find . -type f -not -name Cargo.toml -not -name Cargo.lock -delete
find . -type d -empty -delete

while read -r kind file; do
  mkdir -p "$(dirname "$file")"
  if [[ "$kind" == lib ]]; then
    : > "$file"
  else
    echo 'fn main() {}' > "$file"
  fi
done < "$plan"
rm -f "$plan"
