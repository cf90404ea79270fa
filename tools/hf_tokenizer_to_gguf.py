#!/usr/bin/python3
"""Turn a Hugging Face byte-level BPE tokenizer.json into a vocabulary-only GGUF, as llama.cpp's
convert_hf_to_gguf.py lays one out (tokens by id with [PAD<i>] gaps, added special tokens as
CONTROL and other added tokens as USER_DEFINED, merges as "a b" strings), for tokenizer checks
against llama-tokenize. Test fixtures are made with it at test-generation time; none is committed.

usage: hf_tokenizer_to_gguf.py TOKENIZER_JSON PRE_NAME OUT.gguf [--gguf-py DIR]
  PRE_NAME is tokenizer.ggml.pre (gpt-4o for gpt-oss's o200k, llama4 for Llama 4).
  DIR is llama.cpp's gguf-py (default: ~/.cache/moescope-peer/llama.cpp/gguf-py).
"""
import argparse
import json
import os
import sys

NORMAL, USER_DEFINED, CONTROL, UNUSED = 1, 4, 3, 5  # gguf.TokenType values


def vocabulary(tokenizer):
    model = tokenizer["model"]
    if model.get("type") != "BPE":
        sys.exit(f"only BPE tokenizers are handled, this one is {model.get('type')}")
    by_id = {i: (text, NORMAL) for text, i in model["vocab"].items()}
    for added in tokenizer.get("added_tokens", []):
        by_id[added["id"]] = (added["content"], CONTROL if added["special"] else USER_DEFINED)
    size = max(by_id) + 1
    tokens = [by_id.get(i, (f"[PAD{i}]", UNUSED)) for i in range(size)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    return [t for t, _ in tokens], [k for _, k in tokens], merges


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tokenizer_json")
    parser.add_argument("pre")
    parser.add_argument("out")
    parser.add_argument("--gguf-py", default=os.path.expanduser("~/.cache/moescope-peer/llama.cpp/gguf-py"))
    args = parser.parse_args()
    sys.path.insert(0, args.gguf_py)
    import gguf  # llama.cpp's own writer, so the layout is the converter's

    with open(args.tokenizer_json, encoding="utf-8") as f:
        tokenizer = json.load(f)
    tokens, types, merges = vocabulary(tokenizer)
    writer = gguf.GGUFWriter(args.out, "llama")  # vocabulary-only files carry some architecture
    writer.add_name(f"vocabulary of {os.path.basename(os.path.dirname(os.path.abspath(args.tokenizer_json)))}")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(args.pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_add_bos_token(False)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"{args.out}: {len(tokens)} tokens, {len(merges)} merges, pre {args.pre}")


if __name__ == "__main__":
    main()
