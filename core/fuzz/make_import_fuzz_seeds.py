#!/usr/bin/env python3
"""Seed corpora for fuzz_npz_trace, fuzz_vllm_json and fuzz_routing_csv: small traces in the
documented schemas (core/import/npz_trace.h, vllm_json.h, routing_csv.h). A .npz seed starts
with the byte 0 (read as .npz) and a .npy seed with 1; a CSV seed with 0 (any ids) or 1 (ids
checked against 4 experts). usage: make_import_fuzz_seeds.py NPZ_DIR VLLM_DIR CSV_DIR"""
import io
import json
import os
import sys

import numpy as np

npz_dir, vllm_dir, csv_dir = sys.argv[1], sys.argv[2], sys.argv[3]
experts = np.array([[[0, 1], [2, 3]], [[3, 0], [1, 2]], [[1, 2], [0, 3]]], dtype=np.int64)  # (3 tokens, 2 layers, k=2)
full = dict(experts=experts, weights=np.full(experts.shape, 0.5, dtype=np.float32),
            probs=np.full((3, 2, 4), 0.25, dtype=np.float32), token_ids=np.array([5, 6, 7]),
            positions=np.array([0, 1, 2]), token_texts=np.array([b"a", b"\xe2\x82", b","]),
            layers=np.array([1, 2]), seq_starts=np.array([0]), n_experts=np.array(4), model=np.array("tiny"))


def save(name, compress, **arrays):
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **arrays)
    with open(os.path.join(npz_dir, name), "wb") as f:
        f.write(b"\x00" + buffer.getvalue())


save("full-stored.npz", False, **full)
save("full-deflated.npz", True, **full)
save("experts-only.npz", False, experts=experts.astype(np.int16))
save("unicode.npz", False, experts=experts, token_texts=np.array(["a", "\u20ac", "b"]), model=np.array(b"m"))
with open(os.path.join(npz_dir, "experts.npy"), "wb") as f:
    f.write(b"\x01")
    np.save(f, experts.astype(np.int32))

prompt = [[[0, 1], [2, 3]], [[3, 0], [1, 2]]]
response = {"id": "cmpl-1", "object": "text_completion", "prompt_routed_experts": prompt,
            "prompt_token_ids": [5, 6],
            "choices": [{"index": 0, "text": "x", "token_ids": [7], "routed_experts": [[[1, 2], [0, 3]]]}]}
with open(os.path.join(vllm_dir, "completion.json"), "w") as f:
    json.dump(response, f)
chat = dict(response, object="chat.completion")
chat["choices"] = [{"index": 0, "message": {"role": "assistant", "content": "x"}, "token_ids": [7, 8],
                    "routed_experts": [[[1, 2], [0, 3]], [[2, 1], [3, 0]]]},
                   {"index": 1, "message": {"role": "assistant", "content": "y"}, "token_ids": [9],
                    "routed_experts": [[[0, 1], [1, 0]]]}]
with open(os.path.join(vllm_dir, "chat-two-choices.json"), "w") as f:
    json.dump(chat, f)

# The routing CSV as `run --routing-csv` and `profile` write it (core/trace/routing_trace.cpp).
columns = "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score"
run = [columns,
       "0,0,5,a,1,0,0,0.5,0.25,1.5", "0,0,5,a,1,1,1,0.5,0.25,1.25",
       "0,0,5,a,2,0,2,0.75,0.5,2", "0,0,5,a,2,1,3,0.25,0.125,-inf",
       '1,1,6,"\\xE2\\x82,",1,0,3,1,0.5,nan', '1,1,6,"\\xE2\\x82,",2,0,1,1,0.5,0']
profile = [columns + ",doc,domain",
           "0,0,7,\"\"\"q\"\"\",1,0,2,1,0.5,0,0,code", "1,1,8,b,1,0,1,1,0.5,0,0,code",
           "2,0,9,c,1,0,0,1,0.5,0,1,\"prose, long\""]
for name, lines, flag, ending in (("run.csv", run, 1, "\n"), ("run-crlf.csv", run, 0, "\r\n"),
                                  ("profile.csv", profile, 1, "\n")):
    with open(os.path.join(csv_dir, name), "wb") as f:
        f.write(bytes([flag]) + (ending.join(lines) + ending).encode())
print("seeds written")
