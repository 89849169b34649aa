"""Score one text per line with vaderSentiment and write JSON Lines as vuhitra does.

The reference side of scripts/bench/sentiment.sh. Each input line becomes one record
`{"text":...,"neg":...,"neu":...,"pos":...,"compound":...}` in the compact layout that
`vuhitra nlp sentiment --format jsonl` prints, so the two outputs can be compared byte for
byte. The time spent scoring and encoding, without importing vaderSentiment and loading
its lexicons, goes to stderr as `score_seconds=N`.

    python sentiment_vader.py INPUT OUTPUT
"""

import argparse
import json
import sys
import time

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="one text per line, UTF-8")
    parser.add_argument("output", help="where the JSON Lines go")
    args = parser.parse_args()

    analyzer = SentimentIntensityAnalyzer()
    with open(args.input, encoding="utf-8", newline="") as handle:
        texts = handle.read().split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    texts = [text[:-1] if text.endswith("\r") else text for text in texts]

    started = time.perf_counter()
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        for text in texts:
            scores = analyzer.polarity_scores(text)
            record = {"text": text, **scores}
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    elapsed = time.perf_counter() - started

    print(f"score_seconds={elapsed:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
