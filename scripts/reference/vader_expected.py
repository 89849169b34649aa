"""Write the VADER scores that vaderSentiment 3.3.2 gives, as expected values for tests.

Run it with the reference venv's Python:

    py=$(scripts/reference/setup-vader.sh)
    "$py" scripts/reference/vader_expected.py generate
    "$py" scripts/reference/vader_expected.py score "Some text" "Another text"

`generate` reads every line of each `sentiment/*.txt` file under the shared data folder
(`$VUHITRA_SHARED_DATA`, default `<repository>/../shared/data`). A line is
`id<TAB>rating<TAB>text` with CRLF line ends; the text is scored as written, without
unescaping HTML entities. For each data file it writes
`crates/vuhitra-nlp/tests/expected/vader_<file stem>.jsonl`, one JSON object per line:

    {"file": ..., "line": 1, "id": ..., "neg": ..., "neu": ..., "pos": ..., "compound": ...,
     "raw": {"neg": ..., "neu": ..., "pos": ..., "compound": ...}}

The top-level scores are what `polarity_scores` returns (rounded by 3.3.2); `raw` contains
the same scores before that rounding. The texts themselves are not written.

`score` prints the same fields for texts given on the command line, which is how the
values in the unit tests were obtained.

The values depend on the Python version as well: Python 3.12 changed `sum()` of floats
to compensated summation, which can alter the last bits of `compound`. The files in the
repository were generated with the Python that `setup-vader.sh` uses (3.11 on the
development machines); `vader_expected_versions.json` records both versions.
"""

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import sys
from pathlib import Path

import vaderSentiment.vaderSentiment as vader_module

REPOSITORY = Path(__file__).resolve().parents[2]
EXPECTED_DIR = REPOSITORY / "crates" / "vuhitra-nlp" / "tests" / "expected"
VADER_VERSION = "3.3.2"


@contextlib.contextmanager
def unrounded():
    """Make polarity_scores skip its final round() calls while the block runs.

    score_valence calls the built-in round() by name, so a module-level `round` shadows it.
    """
    vader_module.round = lambda number, ndigits=None: number
    try:
        yield
    finally:
        del vader_module.round


def scores(analyzer, text):
    """Return the rounded scores of `text` and, under "raw", the unrounded ones."""
    rounded = analyzer.polarity_scores(text)
    with unrounded():
        raw = analyzer.polarity_scores(text)
    keys = ("neg", "neu", "pos", "compound")
    record = {key: rounded[key] for key in keys}
    record["raw"] = {key: raw[key] for key in keys}
    return record


def read_records(path):
    """Yield (line number, id, text) for each line of a sentiment data file."""
    content = path.read_bytes().decode("utf-8")
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if line.endswith("\r"):
            line = line[:-1]
        fields = line.split("\t", 2)
        if len(fields) != 3:
            sys.exit(f"{path}:{number}: expected id<TAB>rating<TAB>text, found {len(fields)} field(s)")
        yield number, fields[0], fields[2]


def shared_data_dir():
    configured = os.environ.get("VUHITRA_SHARED_DATA")
    if configured:
        return Path(configured)
    return REPOSITORY.parent / "shared" / "data"


def generate(args):
    check_version()
    analyzer = vader_module.SentimentIntensityAnalyzer()
    data_dir = Path(args.data) if args.data else shared_data_dir()
    sentiment_dir = data_dir / "sentiment"
    files = sorted(sentiment_dir.glob("*.txt"))
    if not files:
        sys.exit(f"no sentiment/*.txt files in {data_dir}; set VUHITRA_SHARED_DATA or pass --data")

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in files:
        target = out_dir / f"vader_{path.stem}.jsonl"
        count = 0
        with target.open("w", encoding="utf-8", newline="\n") as out:
            for number, record_id, text in read_records(path):
                record = {"file": path.name, "line": number, "id": record_id}
                record.update(scores(analyzer, text))
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        print(f"{target.relative_to(REPOSITORY)}: {count} lines from {path.name}", file=sys.stderr)

    versions = {
        "vaderSentiment": importlib.metadata.version("vaderSentiment"),
        "python": platform.python_version(),
    }
    versions_path = out_dir / "vader_expected_versions.json"
    versions_path.write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")


def score(args):
    check_version()
    analyzer = vader_module.SentimentIntensityAnalyzer()
    for text in args.texts:
        record = {"text": text}
        record.update(scores(analyzer, text))
        print(json.dumps(record, ensure_ascii=False))


def check_version():
    installed = importlib.metadata.version("vaderSentiment")
    if installed != VADER_VERSION:
        sys.exit(f"vaderSentiment {installed} is installed, expected {VADER_VERSION}; run scripts/reference/setup-vader.sh")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    generate_parser = commands.add_parser("generate", help="write expected scores for the shared sentiment files")
    generate_parser.add_argument("--data", help="shared data folder (default: $VUHITRA_SHARED_DATA or ../shared/data)")
    generate_parser.add_argument("--out", default=str(EXPECTED_DIR), help="folder for the JSON Lines files")
    generate_parser.set_defaults(run=generate)

    score_parser = commands.add_parser("score", help="print the scores of texts given as arguments")
    score_parser.add_argument("texts", nargs="+")
    score_parser.set_defaults(run=score)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
