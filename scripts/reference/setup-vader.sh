#!/usr/bin/env bash
# Creates (or reuses) the Python venv that runs vaderSentiment as the reference for VADER.
#
# The venv lives at $HOME/.cache/vuhitra-dev/venv-vader (override with VUHITRA_VADER_VENV)
# and contains vaderSentiment 3.3.2 from PyPI. Running the script again is cheap: pip is only
# called when the installed version differs. The venv's python path is printed on the
# last line of stdout, so callers can write `py=$(scripts/reference/setup-vader.sh)`.
set -euo pipefail

venv="${VUHITRA_VADER_VENV:-$HOME/.cache/vuhitra-dev/venv-vader}"
vader_version="3.3.2"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating venv at $venv" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
fi

py="$venv/bin/python"

if ! "$py" - "$vader_version" <<'PY' 2>/dev/null
import importlib.metadata as md
import sys
sys.exit(0 if md.version("vaderSentiment") == sys.argv[1] else 1)
PY
then
    echo "installing vaderSentiment==$vader_version into $venv" >&2
    "$py" -m pip install --quiet --upgrade pip
    "$py" -m pip install --quiet "vaderSentiment==$vader_version"
fi

echo "$py"
