"""Write pandas' profile of every CSV table as the expected values of the conformance test.

For each `<tables>/*.csv` this runs `read_csv` with pandas' defaults, then
`describe(include="all")`, `nunique()`, `isna().sum()` and `corr()` (Pearson and Spearman,
numeric_only=True), and writes `<out>/<stem>.json`. NaN becomes null. Besides pandas' own
figures, each column records the values that share the highest count (`top_candidates`, in
order of first appearance), so a reader can see where `top` is a tie.

Usage: python pandas_expected.py TABLES_DIR OUT_DIR
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

DESCRIBE_FIELDS = {
    "count": "count",
    "unique": "unique",
    "top": "top",
    "freq": "freq",
    "mean": "mean",
    "std": "std",
    "min": "min",
    "25%": "p25",
    "50%": "p50",
    "75%": "p75",
    "max": "max",
}


def plain(value):
    """Convert a pandas or numpy scalar to a JSON value, with NaN as None."""
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) else value
    if isinstance(value, str):
        return value
    if pd.isna(value):
        return None
    return str(value)


def matrix(frame):
    """Convert a correlation DataFrame to nested dicts of plain floats."""
    return {
        str(row): {str(col): plain(frame.loc[row, col]) for col in frame.columns}
        for row in frame.index
    }


def profile(path):
    """Run pandas on one CSV file and return its expected-values document."""
    df = pd.read_csv(path)
    described = df.describe(include="all")
    nunique = df.nunique()
    missing = df.isna().sum()

    columns = []
    for name in df.columns:
        column = {
            "name": str(name),
            "pandas_dtype": str(df[name].dtype),
            "missing": int(missing[name]),
            "nunique": int(nunique[name]),
        }
        for pandas_name, field in DESCRIBE_FIELDS.items():
            value = described.loc[pandas_name, name] if pandas_name in described.index else None
            column[field] = plain(value)

        counts = df[name].value_counts(sort=False)
        if len(counts) > 0:
            best = counts.max()
            column["top_candidates"] = [plain(v) for v, c in counts.items() if c == best][:20]
        else:
            column["top_candidates"] = []
        columns.append(column)

    return {
        "file": path.name,
        "pandas_version": pd.__version__,
        "numpy_version": np.__version__,
        "rows": int(len(df)),
        "columns": columns,
        "correlations": {
            "pearson": matrix(df.corr(method="pearson", numeric_only=True)),
            "spearman": matrix(df.corr(method="spearman", numeric_only=True)),
        },
    }


def main():
    tables = Path(sys.argv[1])
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(tables.glob("*.csv")):
        document = profile(path)
        target = out / f"{path.stem}.json"
        target.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n")
        print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
