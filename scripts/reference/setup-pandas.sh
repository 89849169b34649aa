#!/usr/bin/env bash
# Creates (or reuses) the Python venv that runs pandas as the reference profiler.
#
# The venv lives at $HOME/.cache/vuhitra-dev/venv-pandas (override with VUHITRA_PANDAS_VENV)
# and contains pinned pandas and numpy, so the expected values do not drift between runs, and
# vaderSentiment 3.3.2 for the expected sentiment summaries.
# Running the script again is cheap: it only installs what is missing. It prints the
# venv's python path on its last line.
set -euo pipefail

venv="${VUHITRA_PANDAS_VENV:-$HOME/.cache/vuhitra-dev/venv-pandas}"
pandas_version="2.2.3"
numpy_version="2.1.3"
vader_version="3.3.2"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating venv at $venv" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
fi

py="$venv/bin/python"

# Only call pip when an import fails or a version differs, so a warm run takes a second.
if ! PANDAS_VERSION="$pandas_version" NUMPY_VERSION="$numpy_version" VADER_VERSION="$vader_version" \
    "$py" - <<'PY' 2>/dev/null
import importlib.metadata as md
import os
import sys
ok = (
    md.version("pandas") == os.environ["PANDAS_VERSION"]
    and md.version("numpy") == os.environ["NUMPY_VERSION"]
    and md.version("vaderSentiment") == os.environ["VADER_VERSION"]
)
sys.exit(0 if ok else 1)
PY
then
    echo "installing pandas==$pandas_version numpy==$numpy_version vaderSentiment==$vader_version into $venv" >&2
    "$py" -m pip install --quiet --upgrade pip
    "$py" -m pip install --quiet "pandas==$pandas_version" "numpy==$numpy_version" \
        "vaderSentiment==$vader_version"
fi

echo "$py"
