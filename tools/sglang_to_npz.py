#!/usr/bin/env python3
"""Convert SGLang's per-token expert-distribution recording into MoEScope's .npz trace.

Runs where PyTorch is installed (the .pt dump is a torch pickle). Record with SGLang:

    python -m sglang.launch_server --model-path deepseek-ai/DeepSeek-V3 --tp 8 \\
        --expert-distribution-recorder-mode per_token --disable-shared-experts-fusion
    curl -X POST http://HOST:30000/start_expert_distribution_record
    ... send the requests ...
    curl -X POST http://HOST:30000/stop_expert_distribution_record
    curl -X POST http://HOST:30000/dump_expert_distribution_record

then convert the file it wrote (SGLANG_EXPERT_DISTRIBUTION_RECORDER_DIR, default /tmp):

    python tools/sglang_to_npz.py /tmp/expert_distribution_recorder_*_0.pt -o v3.npz --model DeepSeek-V3
    moescope-cli analyze v3.npz

Each record is one forward pass: its input_ids, positions and topk_ids_of_layer
(layers x tokens x 8, physical expert ids, -1 where unused). Physical ids are mapped to
logical experts with last_physical_to_logical_map; layers that never routed (dense blocks)
are dropped and the rest kept as `layers`. A run starts wherever a token's position is not
the previous token's + 1, so batched decoding interleaves requests: record with one request
at a time when the order of tokens within a sequence matters.
"""
import argparse

import numpy as np
import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dump", help="expert_distribution_recorder_*.pt written by SGLang (one rank)")
    parser.add_argument("-o", "--output", required=True, help="the .npz to write")
    parser.add_argument("--model", default="", help="model name stored in the trace")
    args = parser.parse_args()

    dump = torch.load(args.dump, map_location="cpu", weights_only=False)
    records = sorted(dump["records"], key=lambda r: r["forward_pass_id"])
    physical_to_logical = dump["last_physical_to_logical_map"].numpy()  # (layers, physical experts)
    n_experts = int(physical_to_logical.max()) + 1

    ids = np.concatenate([r["topk_ids_of_layer"].numpy() for r in records], axis=1)  # (layers, tokens, 8)
    used = ids >= 0
    layers = np.flatnonzero(used.any(axis=(1, 2)))
    k = int(used[layers].sum(axis=2).max())
    ids = ids[layers, :, :k]
    if (ids < 0).any():
        raise SystemExit("some tokens chose fewer experts than others in a MoE layer; cannot write a fixed top-k")
    logical = np.stack([physical_to_logical[layer][ids[i]] for i, layer in enumerate(layers)])

    positions = np.concatenate([np.asarray(r["positions"]) for r in records])
    starts = [0] + [t for t in range(1, len(positions)) if positions[t] != positions[t - 1] + 1]
    np.savez_compressed(
        args.output,
        experts=logical.transpose(1, 0, 2).astype(np.int16),  # (tokens, moe_layers, k)
        token_ids=np.concatenate([np.asarray(r["input_ids"]) for r in records]).astype(np.int32),
        positions=positions.astype(np.int32),
        layers=layers.astype(np.int32),
        seq_starts=np.array(starts, dtype=np.int32),
        n_experts=np.int64(n_experts),
        model=np.str_(args.model),
    )
    print(f"wrote {args.output}: {len(positions)} tokens in {len(starts)} runs, {len(layers)} MoE layers, "
          f"top-{k} of {n_experts}")


if __name__ == "__main__":
    main()
