"""Writes the demo model's held-out text that MoEScope ships:
  resources/corpus/<domain>.jsonl   a few KB of documents per domain, the samples
                                    `moescope-cli profile` reads when no corpus is given;
  resources/perplexity/heldout.txt  the next held-out documents of every domain (none of the
                                    samples), one text for `moescope-cli perplexity -f`, so
                                    pruning chosen on the samples is judged on other text.

The documents are the held-out ones of tools/demo_model/corpus.py's seeded split, with the
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
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def take(docs, budget):
    """The leading documents of `docs` until `budget` bytes of text are reached."""
    taken, size = [], 0
    for doc in docs:
        if size >= budget:
            break
        taken.append(doc)
        size += len(doc.encode("utf-8"))
    return taken


def main():
    texts = corpus.load_corpus(SEED, math_docs=MATH_DOCS)
    train, held_out = corpus.split_held_out(texts, SEED)
    samples_dir = os.path.join(REPO, "resources", "corpus")
    perplexity_dir = os.path.join(REPO, "resources", "perplexity")
    os.makedirs(samples_dir, exist_ok=True)
    os.makedirs(perplexity_dir, exist_ok=True)
    perplexity_docs = []
    for domain in corpus.DOMAINS:
        samples = take(held_out[domain], BYTES_PER_DOMAIN[domain])
        rest = take(held_out[domain][len(samples):], BYTES_PER_DOMAIN[domain])
        perplexity_docs.extend(rest)
        print(f"{domain}: {len(train[domain])} train / {len(held_out[domain])} held-out documents; "
              f"{len(samples)} samples, {len(rest)} for perplexity")
        with open(os.path.join(samples_dir, domain + ".jsonl"), "w", encoding="utf-8") as f:
            for doc in samples:
                f.write(json.dumps({"text": doc, "domain": domain}, ensure_ascii=False) + "\n")
    with open(os.path.join(perplexity_dir, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write("\n\n".join(perplexity_docs) + "\n")


if __name__ == "__main__":
    main()
