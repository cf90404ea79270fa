#!/usr/bin/env python3
"""Seed corpus for fuzz_tokenizer: every conformance input string, once per vocabulary.
A seed is one byte (the vocabulary's index among the sorted *.gguf names, as the target counts
them) followed by the text. usage: make_tokenizer_fuzz_seeds.py TOKENIZER_FIXTURES OUT_FOLDER"""
import os
import sys

fixtures, out = sys.argv[1], sys.argv[2]
vocabs = sorted(name for name in os.listdir(fixtures) if name.endswith(".gguf"))
texts = set()
for name in vocabs:
    path = os.path.join(fixtures, name + ".inp")
    if os.path.exists(path):
        # The fixtures separate strings with this line; each string ends before the newline.
        with open(path, "rb") as f:
            texts.update(t[:-1] if t.endswith(b"\n") else t for t in f.read().split(b"\n__ggml_vocab_test__\n"))
for index in range(len(vocabs)):
    for n, text in enumerate(sorted(texts)):
        with open(os.path.join(out, "v%02d-%03d" % (index, n)), "wb") as f:
            f.write(bytes([index]) + text)
print("%d seeds for %d vocabularies" % (len(vocabs) * len(texts), len(vocabs)))
