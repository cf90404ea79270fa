#!/usr/bin/env python3
"""Write a synthetic DeepSeek-V3-shaped routing trace in MoEScope's .npz schema.

The ids are made up (no model ran): 61 blocks whose first 3 are dense, so 58 MoE layers;
top-8 of 256 routed experts with V3's 2.5 weight scale. Each layer has its own popular
experts, and tokens change "topic" every few dozen positions so the heatmaps show structure.
It exists to show and test the import path (README screenshot), not to say anything about V3.

    python3 tools/synthetic_v3_trace.py -o v3-synthetic.npz --tokens 600
"""
import argparse

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--tokens", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    n_experts, k, layers = 256, 8, np.arange(3, 61)
    # Per layer: a skewed base popularity; per topic: a few favoured experts.
    base = rng.dirichlet(np.full(n_experts, 0.3), size=len(layers))
    topics = rng.dirichlet(np.full(n_experts, 0.05), size=(6, len(layers)))
    experts = np.empty((args.tokens, len(layers), k), np.int16)
    weights = np.empty((args.tokens, len(layers), k), np.float32)
    for t in range(args.tokens):
        topic = (t // 45) % len(topics)
        p = 0.5 * base + 0.5 * topics[topic]
        for l in range(len(layers)):
            chosen = rng.choice(n_experts, size=k, replace=False, p=p[l] / p[l].sum())
            w = np.sort(rng.dirichlet(np.full(k, 2.0)))[::-1] * 2.5
            experts[t, l], weights[t, l] = chosen, w
    words = "the router sends each token to eight of two hundred fifty six experts in every layer".split()
    texts = [(" " + words[t % len(words)]).encode() for t in range(args.tokens)]
    np.savez_compressed(
        args.output, experts=experts, weights=weights,
        token_ids=rng.integers(0, 129280, args.tokens).astype(np.int32), token_texts=np.array(texts),
        layers=layers.astype(np.int32),
        seq_starts=np.linspace(0, args.tokens, args.runs, endpoint=False).astype(np.int32),
        n_experts=256, model="DeepSeek-V3 (synthetic ids)")


if __name__ == "__main__":
    main()
