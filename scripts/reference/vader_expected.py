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

`random` writes `vader_random.jsonl`: seeded random sentences built from lexicon words,
boosters, negations, the words of the special cases, emojis (single and multi code point,
some glued to words), capitals, punctuation and unusual whitespace, each with its text
and scores. The shared files contain no emojis and little Unicode, so these sentences
cover the rules the conformance data does not reach.

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
import random as random_module
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


# Words that trigger the rules beyond the lexicon: special cases, "kind of", "least",
# "never so", "without doubt", "no ... or", "but", and idioms that 3.3.2 never applies.
RULE_WORDS = [
    "the", "shit", "bomb", "bad", "ass", "badass", "bus", "stop", "yeah", "right", "kiss",
    "of", "death", "to", "die", "for", "beating", "heart", "kind", "sort", "just", "enough",
    "least", "at", "very", "never", "so", "this", "without", "doubt", "no", "or", "nor",
    "but", "BUT", "not", "isn't", "mayn't", "cut", "mustard", "under", "weather",
]
# Plain words, words whose punctuation stripping matters, and letters whose case rules
# differ between Python and naive implementations (final sigma, dotted I, title case,
# Roman numerals, feminine ordinal, sharp s).
FILLER_WORDS = [
    "I", "it", "was", "the", "movie", "a", "and", "is", "we", "they", "food", "service",
    "Ok.", "ok", "no!", "NO", "Good", "GOOD", "VERY", "Kind", "Of", "LEAST", "\u03a3",
    "\u039f\u0394\u039f\u03a3", "\u0130", "\u01c5", "\u2160", "\u2170", "\u00aa",
    "stra\u00dfe", "\u1e9e",
]
AFFIXES = ["", "", "", ".", "!", "?", "!!", "??", "???", "????", "!!!!!!", ",", "...", ":)",
           ";-)", ":D", "'", '"', "(", ")"]
SEPARATORS = [" "] * 20 + ["  ", "\t", "\n", "\u00a0", "\u2003", "\x1c", "\x1f", "\u200b",
                           "\u3000", "\r\n", "\x85"]


def random_sentence(rng, lexicon, emojis, emoji_sequences):
    """Build one sentence of 0 to 30 words that exercises the VADER rules."""
    def word():
        draw = rng.random()
        if draw < 0.3:
            text = rng.choice(lexicon)
        elif draw < 0.45:
            text = rng.choice(list(vader_module.BOOSTER_DICT))
        elif draw < 0.65:
            text = rng.choice(RULE_WORDS)
        elif draw < 0.72:
            text = rng.choice(vader_module.NEGATE)
        elif draw < 0.8:
            text = rng.choice(emojis)
        elif draw < 0.82:
            text = rng.choice(emoji_sequences)
        else:
            text = rng.choice(FILLER_WORDS)
        case = rng.random()
        if case < 0.15:
            text = text.upper()
        elif case < 0.2:
            text = text.capitalize()
        if rng.random() < 0.25:
            text += rng.choice(AFFIXES)
        if rng.random() < 0.1:
            text = rng.choice(AFFIXES) + text
        return text

    parts = []
    for _ in range(rng.randint(0, 30)):
        parts.append(word())
        if rng.random() < 0.2:
            parts.append(rng.choice(emojis))
            if rng.random() < 0.5:
                parts.append(rng.choice(FILLER_WORDS))
        parts.append(rng.choice(SEPARATORS))
    text = "".join(parts)
    if rng.random() < 0.05:
        text = "   " + text + " \t"
    return text


def random_cases(args):
    check_version()
    analyzer = vader_module.SentimentIntensityAnalyzer()
    rng = random_module.Random(args.seed)
    lexicon = sorted(analyzer.lexicon)
    emojis = sorted(key for key in analyzer.emojis if len(key) == 1)
    emoji_sequences = sorted(key for key in analyzer.emojis if len(key) > 1)

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "vader_random.jsonl"
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for _ in range(args.count):
            text = random_sentence(rng, lexicon, emojis, emoji_sequences)
            record = {"text": text}
            record.update(scores(analyzer, text))
            out.write(json.dumps(record, ensure_ascii=True) + "\n")
    print(f"{target.relative_to(REPOSITORY)}: {args.count} sentences, seed {args.seed}", file=sys.stderr)


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

    random_parser = commands.add_parser("random", help="write scores for seeded random sentences")
    random_parser.add_argument("--count", type=int, default=2000, help="number of sentences (default 2000)")
    random_parser.add_argument("--seed", type=int, default=20140601, help="random seed (default 20140601)")
    random_parser.add_argument("--out", default=str(EXPECTED_DIR), help="folder for vader_random.jsonl")
    random_parser.set_defaults(run=random_cases)

    score_parser = commands.add_parser("score", help="print the scores of texts given as arguments")
    score_parser.add_argument("texts", nargs="+")
    score_parser.set_defaults(run=score)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
