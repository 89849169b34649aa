"""Writes the lexical data that spaCy keeps in Python code, for the Rust tokenizer.

spaCy computes some token attributes from tables that live in its Python source rather
than in the model directory: the English stop words, the base norm exceptions, the number
and ordinal words of `like_num`, and the top-level domains of `like_url`. It also relies on
Python's own Unicode database for `str.isspace`, `str.isalpha`, `str.isdigit` and the regex
classes `\\s`, `\\d` and `\\w`. This script copies those tables, as data, into
crates/vuhitra-nlp/data/tokenizer/ so the Rust code can reproduce spaCy 3.8 exactly.

Run it with the reference venv (scripts/reference/setup-spacy.sh prints its python):

    "$(scripts/reference/setup-spacy.sh)" scripts/reference/spacy_lexical_data.py
"""

import sys
import unicodedata
from pathlib import Path

import spacy
from spacy.lang import lex_attrs as base_lex_attrs
from spacy.lang.en import lex_attrs as en_lex_attrs
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lang.norm_exceptions import BASE_NORMS

OUT = Path(__file__).resolve().parents[2] / "crates" / "vuhitra-nlp" / "data" / "tokenizer"


def write_lines(name, lines):
    path = OUT / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"wrote {path} ({len(lines)} lines)")


def ranges(predicate):
    """Return the code point ranges, as (first, last) pairs, where predicate holds."""
    result = []
    start = None
    for cp in range(sys.maxunicode + 2):
        inside = cp <= sys.maxunicode and predicate(chr(cp))
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            result.append((start, cp - 1))
            start = None
    return result


def main():
    OUT.mkdir(parents=True, exist_ok=True)

    write_lines("stop_words.txt", sorted(STOP_WORDS))

    for key, value in BASE_NORMS.items():
        if "\t" in key + value or "\n" in key + value:
            raise SystemExit(f"norm exception {key!r} contains a tab or newline")
    write_lines("base_norms.tsv", [f"{k}\t{v}" for k, v in BASE_NORMS.items()])

    write_lines("number_words.txt", list(en_lex_attrs._num_words))
    write_lines("ordinal_words.txt", list(en_lex_attrs._ordinal_words))
    write_lines("url_tlds.txt", sorted(base_lex_attrs._tlds))

    classes = {
        "space": str.isspace,
        "alpha": str.isalpha,
        "decimal": str.isdecimal,
        "digit": str.isdigit,
        "numeric": str.isnumeric,
        "upper": str.isupper,
        "punct": lambda c: unicodedata.category(c).startswith("P"),
    }
    lines = [
        f"# Python {sys.version.split()[0]}, Unicode {unicodedata.unidata_version}, spaCy {spacy.__version__}",
        "# class<TAB>first<TAB>last (hexadecimal code points, inclusive)",
    ]
    for name, predicate in classes.items():
        for first, last in ranges(predicate):
            lines.append(f"{name}\t{first:X}\t{last:X}")
    write_lines("python_unicode.tsv", lines)


if __name__ == "__main__":
    main()
