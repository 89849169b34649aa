"""Write the sentiment summary pandas and vaderSentiment 3.3.2 give for the shared sentiment files.

Each `<sentiment dir>/*.txt` file contains tab-separated lines: an id, a human rating and a text,
with no header row. pandas reads the file (`sep="\\t"`, no quoting, every field as text), and
vaderSentiment's `polarity_scores` scores the third column. The figures a `vuhitra analyze
--sentiment column_3` summary reports are computed from those scores with pandas and numpy
and written to `<out>/<stem>.json`:

- `scored`, the number of texts, and `positive`, `neutral`, `negative`, the counts by the
  usual thresholds (compound >= 0.05, <= -0.05);
- `mean_compound` and `std_compound` (`Series.mean`, `Series.std` with ddof=1), and the means
  of `neg`, `neu` and `pos`;
- `most_positive` and `most_negative`: row (`idxmax`, `idxmin`: the first on ties), compound
  score and text;
- `histogram`: `numpy.histogram(compound, bins=20, range=(-1, 1))`.

Usage: python sentiment_summary_expected.py SENTIMENT_DIR OUT_DIR
"""

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def extreme(texts, compound, row):
    return {"row": int(row), "compound": float(compound[row]), "text": texts[row]}


def summary(path):
    frame = pd.read_csv(
        path,
        sep="\t",
        header=None,
        dtype=str,
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        na_values=[""],
    )
    texts = frame[2].dropna()
    analyzer = SentimentIntensityAnalyzer()
    scores = pd.DataFrame(
        [analyzer.polarity_scores(text) for text in texts], index=texts.index
    )
    compound = scores["compound"]
    histogram, _ = np.histogram(compound, bins=20, range=(-1, 1))
    positive = int((compound >= 0.05).sum())
    negative = int((compound <= -0.05).sum())
    return {
        "rows": len(frame),
        "scored": len(texts),
        "mean_compound": float(compound.mean()),
        "std_compound": float(compound.std()),
        "positive": positive,
        "neutral": len(texts) - positive - negative,
        "negative": negative,
        "mean_neg": float(scores["neg"].mean()),
        "mean_neu": float(scores["neu"].mean()),
        "mean_pos": float(scores["pos"].mean()),
        "most_positive": extreme(texts, compound, compound.idxmax()),
        "most_negative": extreme(texts, compound, compound.idxmin()),
        "histogram": [int(count) for count in histogram],
    }


def main():
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.txt")):
        expected = summary(path)
        target = out / f"{path.stem}.json"
        target.write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
        print(f"{path.name}: {expected['scored']} texts -> {target}")


if __name__ == "__main__":
    main()
