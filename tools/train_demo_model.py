#!/usr/bin/python3
"""Trains MoEScope's bundled demo model and writes it to resources/models/.

    nice -n 10 /usr/bin/python3 tools/train_demo_model.py   # the shipped model (~25 min on 2 idle cores)
    /usr/bin/python3 tools/train_demo_model.py --quick    # 2-minute smoke run of every stage

Stages: read the corpus -> train a SentencePiece tokenizer -> train a small DeepSeek-V2-style MoE
(deepseek2: MLA attention, one leading dense layer, routed + shared experts, softmax top-k gating,
expert-level balance loss) with PyTorch -> export demo-moe.gguf (F16, llama.cpp deepseek2 layout) ->
re-read and check the file -> write demo-moe-reference.json (logits and routing of the PyTorch model on
the F16-rounded weights, for tests/models/test_demo_model.cpp) -> check the reference against an
independent NumPy forward pass that reads only the GGUF (llama.cpp's absorbed MLA path; the same code
reproduces llama.cpp's conformance dumps of deepseek2-f32.gguf) -> write demo-moe.md and its charts.

Corpus (only files installed by Debian packages; see tools/demo_model/corpus.py for the exact rules):
  english  /usr/share/games/fortunes/* (packages fortunes, fortunes-min; minus art, ascii-art and the
           Chinese files) and /usr/share/common-licenses/{GPL-3,Apache-2.0,MPL-2.0,LGPL-3,Artistic,BSD}
           (package base-files)
  chinese  /usr/share/games/fortunes/{chinese,tang300,song100} (package fortunes-zh)
  code     every *.h installed by libc6-dev (dpkg -L libc6-dev) and /usr/lib/python3.11/*.py except
           _sysconfigdata* (packages libpython3.11-minimal, libpython3.11-stdlib)
  math     generated arithmetic ("12+7=19" lines, word questions, worked column additions), seeded
Needs: python3-torch, python3-numpy, python3-sentencepiece, python3-matplotlib, libopenblas0-pthread.

Options:
  --quick          tiny model, few steps, small corpus: checks every stage in about two minutes
  --steps N        training steps of 4096 tokens (default 720; --quick: 40)
  --threads N      torch threads (default 2; results are bit-reproducible for a fixed thread count)
  --seed N         seed of every random choice (default 1234)
  --work-dir DIR   tokenizer files, checkpoint, logs (default build-demo-model/ in the repository)
  --out-dir DIR    where the model, reference and report go (default resources/models/)
  --skip-training  reuse the checkpoint in --work-dir and only redo export and report
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_model import corpus, export, gguf_forward, report, tokenizer, training  # noqa: E402
from demo_model.corpus import DOMAINS  # noqa: E402
from demo_model.model import Config, DemoMoE  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FULL_CONFIG = Config()
QUICK_CONFIG = Config(n_embd=64, n_layer=3, n_head=4, kv_lora_rank=32, qk_nope_dim=16, qk_rope_dim=16,
                      v_head_dim=16, dense_ffn=128, n_expert=8, n_expert_used=2, expert_ffn=32)

# Prompts of the reference file and the report's samples, one per domain.
PROMPTS = {
    "english": "The secret of a happy life is",
    "chinese": "床前明月光，",
    "code": "def read_file(path):\n    ",
    "math": "17+25=",
}

SOURCES = {
    "english": "fortunes, fortunes-min (`/usr/share/games/fortunes`), base-files (`/usr/share/common-licenses`)",
    "chinese": "fortunes-zh (`chinese`, `tang300`, `song100`)",
    "code": "libc6-dev (`*.h`), libpython3.11-minimal/-stdlib (`/usr/lib/python3.11/*.py`)",
    "math": "generated (`a+b=c` lines, word questions, worked column additions)",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--work-dir", default=os.path.join(REPO, "build-demo-model"))
    parser.add_argument("--out-dir", default=os.path.join(REPO, "resources", "models"))
    parser.add_argument("--skip-training", action="store_true")
    return parser.parse_args()


def training_options(args):
    if args.quick:
        return dict(steps=args.steps or 40, batch=8, seq_len=128, long_batch=4, long_seq_len=256, long_share=0.2,
                    lr=3e-3, min_lr=3e-4, warmup=10, weight_decay=0.1, eval_every=20, seed=args.seed)
    return dict(steps=args.steps or 720, batch=16, seq_len=256, long_batch=8, long_seq_len=512, long_share=0.2,
                lr=3e-3, min_lr=3e-4, warmup=40, weight_decay=0.1, eval_every=40, seed=args.seed)


def active_parameters(cfg, total):
    """Parameters one token multiplies: everything but the unused experts and all embedding rows but one."""
    n_moe = cfg.n_layer - cfg.n_leading_dense
    unused_experts = n_moe * (cfg.n_expert - cfg.n_expert_used) * 3 * cfg.n_embd * cfg.expert_ffn
    return total - unused_experts - (cfg.n_vocab - 1) * cfg.n_embd


def specialisation_summary(shares, first, moe_layers, k, n_expert):
    uniform = k / n_expert
    top = {d: [float(shares[d][row].max()) for row in range(len(moe_layers))] for d in DOMAINS}
    mean_top = {d: float(np.mean(v)) for d, v in top.items()}
    mis = [report.mutual_information_bits({d: first[d][row] for d in DOMAINS}, DOMAINS)
           for row in range(len(moe_layers))]
    ranked = sorted(mean_top, key=mean_top.get, reverse=True)
    parts = [f"**How strong is it?** Averaged over the {len(moe_layers)} MoE layers, a domain's busiest expert "
             f"receives between {100 * min(mean_top.values()):.0f}% ({ranked[-1]}) and "
             f"{100 * max(mean_top.values()):.0f}% ({ranked[0]}) of that domain's tokens, against "
             f"{100 * uniform:.1f}% for domain-blind routing ({min(mean_top.values()) / uniform:.1f}x to "
             f"{max(mean_top.values()) / uniform:.1f}x the uniform share). The mutual information between "
             f"domain and first-choice expert is {min(mis):.2f}-{max(mis):.2f} bits per layer out of "
             f"{np.log2(len(DOMAINS)):.0f}."]
    # An expert is a specialist when at least half of its load (domains weighted equally) is one domain.
    specialists = []
    for row in range(len(moe_layers)):
        load = np.stack([shares[d][row] for d in DOMAINS])            # (domains, experts)
        purity = load / np.maximum(load.sum(0, keepdims=True), 1e-12)
        specialists.append(int((purity.max(0) >= 0.5).sum()))
    parts.append(f"Counting an expert as a specialist when at least half of its load comes from one domain "
                 f"(25% would be domain-blind), the MoE layers have {', '.join(map(str, specialists))} "
                 f"specialists out of {n_expert}.")
    parts.append("Read this as moderate specialisation: every domain spreads its tokens over several experts, "
                 "and no expert serves one domain alone. Routing is decided per token from the hidden state, so "
                 "what the router separates is most likely lexical (Chinese characters, digits and operators, "
                 "code identifiers and indentation are different tokens from English words) rather than topical; "
                 "this tool does not analyse which tokens drive each expert.")
    return " ".join(parts)


def main():
    args = parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.work_dir, exist_ok=True)
    os.makedirs(args.out_dir, exist_ok=True)
    log_file = open(os.path.join(args.work_dir, "train.log"), "a", encoding="utf-8")

    def log(message):
        line = f"[{time.strftime('%H:%M:%S')}] {message}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    cfg = QUICK_CONFIG if args.quick else FULL_CONFIG
    opts = training_options(args)
    command = "/usr/bin/python3 tools/train_demo_model.py" + (" --quick" if args.quick else "")
    log(f"config {cfg.to_dict()}")
    log(f"training {opts}")

    texts = corpus.load_corpus(args.seed, math_docs=3000 if args.quick else 40000)
    if args.quick:
        texts = {d: docs[:1500] for d, docs in texts.items()}
    train_docs, held_docs = corpus.split_held_out(texts, args.seed)
    log("documents " + ", ".join(f"{d} {len(train_docs[d])}+{len(held_docs[d])}" for d in DOMAINS))

    sp = tokenizer.train(train_docs, cfg.n_vocab, args.work_dir, args.seed,
                         chars_per_domain=300_000 if args.quick else 1_500_000)
    streams = {d: training.Stream(sp, train_docs[d]) for d in DOMAINS}
    held = {d: training.Stream(sp, held_docs[d]) for d in DOMAINS}
    log("training tokens " + ", ".join(f"{d} {len(streams[d].tokens)}" for d in DOMAINS))
    eval_len = opts["seq_len"]
    eval_chunks = {d: held[d].chunks(8 if args.quick else 16, eval_len) for d in DOMAINS}
    routing_chunks = {d: held[d].chunks(8 if args.quick else 48, eval_len) for d in DOMAINS}

    model = DemoMoE(cfg)
    checkpoint = os.path.join(args.work_dir, "checkpoint.pt")
    if args.skip_training:
        state = torch.load(checkpoint)
        model.load_state_dict(state["model"])
        history, train_seconds = state["history"], state["train_seconds"]
    else:
        start = time.time()
        history = training.train(model, streams, eval_chunks, opts, log)
        train_seconds = time.time() - start
        torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "history": history,
                    "train_seconds": train_seconds}, checkpoint)
        log(f"training took {train_seconds / 60:.1f} min")

    # From here on the model holds exactly the weights of the file.
    export.round_to_file_precision(model)
    model.eval()
    gguf_path = os.path.join(args.out_dir, "demo-moe.gguf")
    tensors = export.write_gguf(model, sp, gguf_path, "MoEScope demo MoE")
    export.verify_gguf(gguf_path, tensors, cfg, sp)
    log(f"wrote {gguf_path} ({os.path.getsize(gguf_path)} bytes, {len(tensors)} tensors), re-read and checked")
    reference_path = os.path.join(args.out_dir, "demo-moe-reference.json")
    reference = export.write_reference(model, sp, PROMPTS, reference_path)
    worst_logit, worst_prob = gguf_forward.check_against_reference(gguf_path, reference)
    log(f"independent NumPy forward pass over the GGUF (absorbed MLA) agrees with the reference: "
        f"max |dlogit| {worst_logit:.2e}, max |dprob| {worst_prob:.2e}")
    for entry in reference["prompts"]:
        log(f"greedy {entry['domain']}: {entry['prompt']!r} -> {entry['greedy_text']!r}")

    final_losses = training.held_out_losses(model, eval_chunks)
    log("held-out loss with F16 weights " + "  ".join(f"{d} {v:.3f}" for d, v in final_losses.items()))
    chosen, first, counts = training.expert_load(model, routing_chunks)
    shares = report.load_shares(chosen, counts)
    moe_layers = [i for i, b in enumerate(model.blocks) if b.is_moe]
    samples = {d: (p, [report.sample(model, sp, p, 80, args.seed + 2 * i + j) for j in range(2)])
               for i, (d, p) in enumerate(PROMPTS.items())}
    for d, (p, texts) in samples.items():
        for text in texts:
            log(f"sample {d}: {p + text!r}")
    params = sum(p.numel() for p in model.parameters())
    report.write(args.out_dir, {
        "cfg": cfg, "history": history, "shares": shares, "first": first, "counts": counts,
        "moe_layers": moe_layers, "samples": samples, "train_seconds": train_seconds, "steps": opts["steps"],
        "params": params, "params_active": active_parameters(cfg, params),
        "gguf_bytes": os.path.getsize(gguf_path), "reference_bytes": os.path.getsize(reference_path),
        "command": command,
        "schedule": (f"AdamW (β 0.9/0.95, weight decay {opts['weight_decay']}), peak learning rate {opts['lr']} after "
                     f"{opts['warmup']} warm-up steps, cosine decay to {opts['min_lr']}; batches of {opts['batch']} x "
                     f"{opts['seq_len']} tokens, the last {100 * opts['long_share']:.0f}% of the steps "
                     f"{opts['long_batch']} x {opts['long_seq_len']} so every position of the context is trained. "
                     f"Held-out loss measured on {eval_chunks['english'].shape[0]} windows of {eval_len} tokens per domain; "
                     f"expert load on up to {routing_chunks['english'].shape[0]} windows per domain."),
        "corpus": {d: {"source": SOURCES[d], "train_docs": len(train_docs[d]), "held_docs": len(held_docs[d]),
                       "train_tokens": len(streams[d].tokens)} for d in DOMAINS},
        "specialisation_summary": specialisation_summary(shares, first, moe_layers, cfg.n_expert_used, cfg.n_expert),
    })
    with open(os.path.join(args.work_dir, "summary.json"), "w") as f:
        json.dump({"final_held_out": final_losses, "history": history,
                   "shares": {d: shares[d].tolist() for d in DOMAINS}}, f, indent=1)
    log("report written")


if __name__ == "__main__":
    main()
