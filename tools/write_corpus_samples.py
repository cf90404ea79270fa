"""Writes resources/corpus/<domain>.jsonl: a few KB of held-out documents per domain of the demo
model's corpus, the bundled samples `moescope-cli profile` reads when no corpus is given.

The documents are the first held-out ones of tools/demo_model/corpus.py's seeded split, with the
seed and corpus size tools/train_demo_model.py uses, so the demo model never trained on them.
Needs the packages the corpus reads (fortunes, fortunes-min, fortunes-zh, libc6-dev, python3.11);
no PyTorch. Run: /usr/bin/python3 tools/write_corpus_samples.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_model import corpus  # noqa: E402

SEED = 1234          # train_demo_model.py's default --seed
MATH_DOCS = 40000    # train_demo_model.py's full-size corpus
# About 2000 tokens of each domain (a Chinese character takes 3 bytes, arithmetic is dense).
BYTES_PER_DOMAIN = {"english": 6000, "chinese": 9000, "code": 6000, "math": 2500}
OUT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "corpus")


def main():
    texts = corpus.load_corpus(SEED, math_docs=MATH_DOCS)
    train, held_out = corpus.split_held_out(texts, SEED)
    os.makedirs(OUT_DIR, exist_ok=True)
    for domain in corpus.DOMAINS:
        print(f"{domain}: {len(train[domain])} train / {len(held_out[domain])} held-out documents")
        lines, size = [], 0
        for doc in held_out[domain]:
            if size >= BYTES_PER_DOMAIN[domain]:
                break
            lines.append(json.dumps({"text": doc, "domain": domain}, ensure_ascii=False))
            size += len(doc.encode("utf-8"))
        with open(os.path.join(OUT_DIR, domain + ".jsonl"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        print(f"  wrote {len(lines)} documents, {size} bytes of text")


if __name__ == "__main__":
    main()
