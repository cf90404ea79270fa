"""The training report: resources/models/demo-moe.md plus PNG charts."""
import json
import math
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from . import tokenizer  # noqa: E402
from .corpus import DOMAINS  # noqa: E402


def plot_losses(history, path):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    tokens = [h["tokens"] / 1e6 for h in history]
    for domain in DOMAINS:
        ax.plot(tokens, [h["held_out"][domain] for h in history], label=f"{domain} (held-out)")
    train = [(h["tokens"] / 1e6, h["train_loss"]) for h in history if h["train_loss"] is not None]
    ax.plot(*zip(*train), "k--", lw=1, label="training batches (smoothed)")
    ax.set_xlabel("training tokens (millions)")
    ax.set_ylabel("cross-entropy (nats / token)")
    ax.set_title("Loss per domain")
    ax.set_ylim(0, min(9.5, max(h["held_out"][d] for h in history[1:] or history for d in DOMAINS) + 0.5))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def load_shares(chosen, counts):
    """{domain: (n_moe_layers, E)} share of the domain's tokens whose top-k contains each expert."""
    return {d: chosen[d] / counts[d] for d in DOMAINS}


def plot_heatmap(shares, moe_layers, k, path):
    n = len(moe_layers)
    fig, axes = plt.subplots(n, 1, figsize=(8, 1.5 + 1.35 * n), squeeze=False)
    vmax = max(s.max() for s in shares.values())
    for row, layer in enumerate(moe_layers):
        ax = axes[row][0]
        grid = np.stack([shares[d][row] for d in DOMAINS])
        im = ax.imshow(grid, cmap="viridis", vmin=0, vmax=vmax, aspect="auto")
        ax.set_yticks(range(len(DOMAINS)), DOMAINS)
        ax.set_xticks(range(grid.shape[1]))
        ax.set_ylabel(f"layer {layer}", rotation=0, ha="right", va="center", labelpad=42)
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=6,
                    color="white" if v < 0.6 * vmax else "black")
    axes[-1][0].set_xlabel("routed expert")
    fig.suptitle(f"Share of each domain's held-out tokens routed to each expert (%, top-{k}; "
                 f"uniform = {100 * k / grid.shape[1]:.1f}%)", fontsize=9)
    fig.colorbar(im, ax=[a[0] for a in axes], fraction=0.025)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def mutual_information_bits(first, domains):
    """I(domain; first-choice expert) in bits for one layer, with every domain weighted equally."""
    joint = np.stack([first[d] / first[d].sum() for d in domains]) / len(domains)
    p_domain, p_expert = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log2(joint[nz] / (p_domain @ p_expert)[nz])).sum())


@torch.no_grad()
def sample(model, sp, prompt, n_new, seed, temperature=0.7, top_k=40):
    gen = torch.Generator().manual_seed(seed)
    ids = [tokenizer.BOS_ID] + sp.encode(prompt)
    out = []
    for _ in range(n_new):
        logits, _ = model(torch.tensor([ids[-model.cfg.n_ctx:]]))
        values, top = (logits[0, -1] / temperature).topk(top_k)
        nxt = int(top[torch.multinomial(values.softmax(-1), 1, generator=gen)])
        if nxt == tokenizer.EOS_ID:
            break
        ids.append(nxt)
        out.append(nxt)
    return tokenizer.continuation_text(sp, prompt, out)


def write(out_dir, info):
    """info: dict with cfg, history, shares, first, counts, moe_layers, reference, samples,
    train_seconds, file sizes, corpus stats, command."""
    cfg, k, E = info["cfg"], info["cfg"].n_expert_used, info["cfg"].n_expert
    plot_losses(info["history"], os.path.join(out_dir, "demo-moe-loss.png"))
    plot_heatmap(info["shares"], info["moe_layers"], k, os.path.join(out_dir, "demo-moe-expert-load.png"))
    final = info["history"][-1]["held_out"]
    lines = [
        "# MoEScope demo model (`demo-moe.gguf`)",
        "",
        "A small DeepSeek-V2-style Mixture-of-Experts model trained from scratch on this machine by "
        f"`{info['command']}` so that MoEScope has something real to show on first launch. It is "
        "tiny and under-trained: it produces text that looks like each domain, not text that is correct.",
        "",
        "## Model",
        "",
        "| | |", "|---|---|",
        f"| architecture | `deepseek2` (llama.cpp conventions: MLA split into `attn_k_b`/`attn_v_b`, no q-LoRA) |",
        f"| layers | {cfg.n_layer} (layer 0 dense SwiGLU {cfg.dense_ffn}, layers 1-{cfg.n_layer - 1} MoE) |",
        f"| hidden size | {cfg.n_embd}, {cfg.n_head} heads |",
        f"| MLA | kv latent {cfg.kv_lora_rank}, q/k nope {cfg.qk_nope_dim} + rope {cfg.qk_rope_dim} (shared rope key), "
        f"v {cfg.v_head_dim}; RoPE interleaved (NORM), θ = {cfg.rope_base:g}, no YaRN |",
        f"| experts | {E} routed (SwiGLU {cfg.expert_ffn}) top-{k} + {cfg.n_expert_shared} shared; softmax gating "
        "over all experts, weight = probability (no renormalisation, scale 1) |",
        f"| balance loss | DeepSeek-V2 expert-level, α = {cfg.balance_alpha} |",
        f"| vocabulary | {cfg.n_vocab} SentencePiece BPE pieces with byte fallback (`tokenizer.ggml.model = llama`) |",
        f"| context | {cfg.n_ctx} |",
        f"| parameters | {info['params'] / 1e6:.2f} M total, {info['params_active'] / 1e6:.2f} M active per token |",
        f"| file | F16 weights, F32 norms and routers, {info['gguf_bytes'] / 1e6:.1f} MB |",
        "",
        "## Corpus",
        "",
        "Only files that Debian packages put on the machine (details in `tools/demo_model/corpus.py`):",
        "",
        "| domain | source | documents (train / held-out) | training tokens |",
        "|---|---|---|---|",
    ]
    for d in DOMAINS:
        c = info["corpus"][d]
        lines.append(f"| {d} | {c['source']} | {c['train_docs']} / {c['held_docs']} | {c['train_tokens'] / 1e6:.2f} M |")
    lines += [
        "",
        "Every training step draws the same number of windows from each domain; windows start at a "
        "document start (`<s>`), and every document ends with `</s>`.",
        "",
        "## Training",
        "",
        f"{info['steps']} steps, {info['history'][-1]['tokens'] / 1e6:.2f} M tokens, "
        f"{info['train_seconds'] / 60:.1f} minutes on 2 CPU cores (PyTorch {torch.__version__}, float32). "
        f"{info['schedule']}",
        "",
        "![loss per domain](demo-moe-loss.png)",
        "",
        "Final held-out loss (nats per token; held-out documents were never trained on):",
        "",
        "| domain | loss | perplexity |", "|---|---|---|",
    ]
    lines += [f"| {d} | {final[d]:.3f} | {math.exp(final[d]):.1f} |" for d in DOMAINS]
    lines += ["", "## Expert specialisation (held-out text)", "",
              "![expert load](demo-moe-expert-load.png)", "",
              f"With top-{k} of {E} experts a router that ignored the domain would send each expert "
              f"{100 * k / E:.1f}% of every domain's tokens. The table gives, per MoE layer and domain, the expert "
              "that takes the largest share of that domain's tokens and that share, and the mutual information "
              "between the domain and the first-choice expert (0 bits: routing ignores the domain; "
              f"{math.log2(len(DOMAINS)):.0f} bits: the first choice alone identifies the domain).", ""]
    header = "| layer | I(domain; expert) | " + " | ".join(f"{d}: top expert (share)" for d in DOMAINS) + " |"
    lines += [header, "|---" * (2 + len(DOMAINS)) + "|"]
    for row, layer in enumerate(info["moe_layers"]):
        cells = []
        for d in DOMAINS:
            share = info["shares"][d][row]
            cells.append(f"#{int(share.argmax())} ({100 * share.max():.0f}%)")
        mi = mutual_information_bits({d: info["first"][d][row] for d in DOMAINS}, DOMAINS)
        lines.append(f"| {layer} | {mi:.2f} bits | " + " | ".join(cells) + " |")
    lines += ["", "Full load table (share of the domain's tokens whose top-k includes the expert, %):", ""]
    lines += ["| layer | domain | " + " | ".join(str(e) for e in range(E)) + " |", "|---" * (E + 2) + "|"]
    for row, layer in enumerate(info["moe_layers"]):
        for d in DOMAINS:
            lines.append(f"| {layer} | {d} | " + " | ".join(f"{100 * v:.0f}" for v in info["shares"][d][row]) + " |")
    lines += ["", info["specialisation_summary"], "", "## Sample generations", "",
              "Two samples per prompt, not selected: temperature 0.7, top-k 40, fixed seeds, up to 80 tokens or "
              "`</s>`. Each block starts with the prompt given in the heading. Greedy continuations of the same prompts are in "
              "`demo-moe-reference.json`.", ""]
    for d, (prompt, texts) in info["samples"].items():
        lines += [f"**{d}**, prompt `{json.dumps(prompt, ensure_ascii=False)}`", ""]
        for text in texts:
            lines += ["```text", prompt + text, "```", ""]
    lines += ["## Files", "",
              f"- `demo-moe.gguf` ({info['gguf_bytes'] / 1e6:.1f} MB): the model.",
              f"- `demo-moe-reference.json` ({info['reference_bytes'] / 1e3:.0f} kB): token ids, top-10 logits and "
              "per-layer routing (experts, weights, all probabilities) of the PyTorch model for one prompt per "
              "domain, computed in float32 from the F16-rounded weights stored in the GGUF; "
              "`tests/models/test_demo_model.cpp` compares the engine against it.",
              "- `demo-moe-loss.png`, `demo-moe-expert-load.png`: the charts above.",
              "", "Reproduce (deterministic for a given PyTorch build and thread count):", "",
              "```", info["command"], "```", ""]
    with open(os.path.join(out_dir, "demo-moe.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
