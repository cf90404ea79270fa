#!/usr/bin/env python3
"""Record the expert routing of a Hugging Face MoE model into MoEScope's .npz trace.

Runs where PyTorch and transformers are installed (a GPU box); MoEScope itself does not
need them. For every prompt the model runs one forward pass with output_router_logits=True
(after generating --new-tokens tokens, if asked), and each MoE layer's top-k is written:

    python tools/export_hf_routing.py Qwen/Qwen1.5-MoE-A2.7B prompts.txt -o qwen.npz
    moescope-cli analyze qwen.npz

prompts.txt holds one prompt per line; each prompt becomes one run (seq_starts). The schema
is the one in README.md ("Models too big for this machine"). Models whose forward pass does
not return router_logits (some trust_remote_code models) are not supported by this helper.
"""
import argparse

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def moe_blocks(model, n_router_outputs):
    """Block indices whose MLP has a router, in order (must match the router outputs)."""
    blocks = [i for i, layer in enumerate(model.model.layers)
              if any(hasattr(layer.mlp, name) for name in ("gate", "router"))]
    if len(blocks) != n_router_outputs:
        raise SystemExit(f"found {len(blocks)} MoE blocks but {n_router_outputs} router outputs; "
                         "pass --layers with the MoE block indices")
    return blocks


def config_value(config, *names, default=None):
    for name in names:
        if getattr(config, name, None) is not None:
            return getattr(config, name)
    return default


def route(model, ids, top_k, normalize, keep_probs):
    with torch.no_grad():
        out = model(input_ids=ids.unsqueeze(0).to(model.device), output_router_logits=True)
    # One (tokens, n_experts) logits tensor per MoE layer.
    probs = torch.stack([logits.float().softmax(-1) for logits in out.router_logits], dim=1).cpu()
    weights, experts = probs.topk(top_k, dim=-1)
    if normalize:
        weights = weights / weights.sum(-1, keepdim=True)
    return experts, weights, probs if keep_probs else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="Hugging Face model id or local folder")
    parser.add_argument("prompts", help="text file, one prompt per line")
    parser.add_argument("-o", "--output", required=True, help="the .npz to write")
    parser.add_argument("--new-tokens", type=int, default=0, help="tokens to generate after each prompt (greedy)")
    parser.add_argument("--top-k", type=int, help="experts per token (default: the model's num_experts_per_tok)")
    parser.add_argument("--probs", action="store_true", help="also store the full router probabilities (large)")
    parser.add_argument("--layers", help="comma-separated MoE block indices, when they cannot be found")
    parser.add_argument("--dtype", default="auto", help="torch dtype for the weights (default: the checkpoint's)")
    args = parser.parse_args()

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=args.dtype, device_map="auto")
    model.eval()
    config = model.config
    top_k = args.top_k or config_value(config, "num_experts_per_tok", "moe_topk", "top_k")
    n_experts = config_value(config, "num_experts", "num_local_experts", "n_routed_experts")
    normalize = bool(config_value(config, "norm_topk_prob", default=config.model_type == "mixtral"))

    experts, weights, probs, token_ids, texts, starts = [], [], [], [], [], []
    prompts = [line.rstrip("\n") for line in open(args.prompts, encoding="utf-8") if line.strip()]
    for prompt in prompts:
        ids = tokenizer(prompt, return_tensors="pt").input_ids[0]
        if args.new_tokens > 0:
            with torch.no_grad():
                ids = model.generate(ids.unsqueeze(0).to(model.device), max_new_tokens=args.new_tokens,
                                     do_sample=False)[0].cpu()
        e, w, p = route(model, ids, top_k, normalize, args.probs)
        starts.append(sum(len(x) for x in token_ids))
        experts.append(e.numpy())
        weights.append(w.numpy())
        if p is not None:
            probs.append(p.numpy())
        token_ids.append(ids.numpy())
        texts += [tokenizer.decode([int(i)]).encode("utf-8") for i in ids]
        print(f"{len(ids)} tokens: {prompt[:60]!r}")

    layers = ([int(x) for x in args.layers.split(",")] if args.layers
              else moe_blocks(model, experts[0].shape[1]))
    arrays = dict(
        experts=np.concatenate(experts).astype(np.int16 if n_experts <= 32768 else np.int32),
        weights=np.concatenate(weights).astype(np.float32),
        token_ids=np.concatenate(token_ids).astype(np.int32),
        token_texts=np.array(texts, dtype=np.bytes_),
        layers=np.array(layers, dtype=np.int32),
        seq_starts=np.array(starts, dtype=np.int32),
        n_experts=np.int64(n_experts),
        model=np.str_(args.model),
    )
    if probs:
        arrays["probs"] = np.concatenate(probs).astype(np.float32)
    np.savez_compressed(args.output, **arrays)
    print(f"wrote {args.output}: {arrays['experts'].shape[0]} tokens x {len(layers)} MoE layers x top-{top_k} of {n_experts}")


if __name__ == "__main__":
    main()
