"""Token streams per domain, domain-balanced batches, the training loop and held-out evaluation."""
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import tokenizer
from .corpus import DOMAINS


class Stream:
    """All documents of one domain as one token array (<s> doc </s> <s> doc </s> ...) plus the
    offsets where documents start, so training windows begin at a BOS like prompts do."""

    def __init__(self, sp, docs):
        encoded = sp.encode(docs)
        self.starts = np.cumsum([0] + [len(e) + 2 for e in encoded])[:-1]
        self.tokens = np.fromiter((t for e in encoded for t in [tokenizer.BOS_ID] + e + [tokenizer.EOS_ID]),
                                  dtype=np.int64)

    def windows(self, rng, count, length):
        """`count` windows of length+1 tokens starting at random document starts."""
        valid = self.starts[self.starts + length + 1 <= len(self.tokens)]
        begin = rng.choice(valid, size=count)
        return np.stack([self.tokens[b:b + length + 1] for b in begin])

    def chunks(self, count, length):
        """The first `count` consecutive windows of length+1 tokens (for evaluation)."""
        n = min(count, (len(self.tokens) - 1) // length)
        return np.stack([self.tokens[i * length:i * length + length + 1] for i in range(n)])


def lm_loss(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


@torch.no_grad()
def held_out_losses(model, eval_chunks):
    model.eval()
    losses = {}
    for domain, chunks in eval_chunks.items():
        x = torch.from_numpy(chunks)
        total = 0.0
        for i in range(0, len(x), 8):
            logits, _ = model(x[i:i + 8, :-1])
            total += lm_loss(logits, x[i:i + 8, 1:]).item() * len(x[i:i + 8])
        losses[domain] = total / len(x)
    model.train()
    return losses


def train(model, streams, eval_chunks, opts, log):
    """opts: steps, batch, seq_len, long_batch, long_seq_len, long_share, lr, min_lr, warmup,
    weight_decay, eval_every, seed. The last `long_share` of the steps use long_seq_len windows so
    every position of the context gets trained. Returns the history list."""
    rng = np.random.default_rng(opts["seed"])
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": opts["weight_decay"]},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=opts["lr"], betas=(0.9, 0.95), eps=1e-8)
    steps, history, tokens_seen = opts["steps"], [], 0
    long_from = int(steps * (1 - opts["long_share"]))
    start = time.time()
    for step in range(steps + 1):
        if step % opts["eval_every"] == 0 or step == steps:
            losses = held_out_losses(model, eval_chunks)
            history.append({"step": step, "tokens": tokens_seen, "elapsed_s": time.time() - start,
                            "held_out": losses, "train_loss": running if step else None})
            log(f"step {step:5d}  tokens {tokens_seen / 1e6:6.2f}M  {time.time() - start:7.0f}s  held-out "
                + "  ".join(f"{d} {v:.3f}" for d, v in losses.items()))
        if step == steps:
            break
        long_phase = step >= long_from
        batch, length = (opts["long_batch"], opts["long_seq_len"]) if long_phase else (opts["batch"], opts["seq_len"])
        per_domain = batch // len(DOMAINS)
        x = torch.from_numpy(np.concatenate([streams[d].windows(rng, per_domain, length) for d in DOMAINS]))
        lr = _learning_rate(step, steps, opts)
        for group in optimizer.param_groups:
            group["lr"] = lr
        logits, balance = model(x[:, :-1])
        loss = lm_loss(logits, x[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        (loss + model.cfg.balance_alpha * balance).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        tokens_seen += x[:, :-1].numel()
        running = loss.item() if step == 0 else 0.98 * running + 0.02 * loss.item()
        if step % 25 == 0:
            log(f"  step {step:5d}  loss {loss.item():.3f}  balance {balance.item() / max(1, model.cfg.n_layer - model.cfg.n_leading_dense):.3f}"
                f"  lr {lr:.2e}  {tokens_seen / (time.time() - start):.0f} tok/s")
    return history


def _learning_rate(step, steps, opts):
    if step < opts["warmup"]:
        return opts["lr"] * (step + 1) / opts["warmup"]
    t = (step - opts["warmup"]) / max(1, steps - opts["warmup"])
    return opts["min_lr"] + 0.5 * (opts["lr"] - opts["min_lr"]) * (1 + math.cos(math.pi * t))


@torch.no_grad()
def expert_load(model, eval_chunks):
    """{domain: array (n_moe_layers, n_expert)} of how many held-out tokens chose each expert (top-k),
    plus {domain: array (n_moe_layers, n_expert)} of how many tokens had it as their first choice,
    and {domain: token count}."""
    model.eval()
    E = model.cfg.n_expert
    chosen, first, counts = {}, {}, {}
    for domain, chunks in eval_chunks.items():
        x = torch.from_numpy(chunks[:, :-1])
        record = []
        for i in range(0, len(x), 8):
            model(x[i:i + 8], record)
        n_moe = len(record) // math.ceil(len(x) / 8)
        chosen[domain] = np.zeros((n_moe, E))
        first[domain] = np.zeros((n_moe, E))
        for j, r in enumerate(record):
            layer = j % n_moe
            experts = r["experts"].reshape(-1, r["experts"].shape[-1]).numpy()
            chosen[domain][layer] += np.bincount(experts.reshape(-1), minlength=E)
            first[domain][layer] += np.bincount(experts[:, 0], minlength=E)
        counts[domain] = x.numel()
    model.train()
    return chosen, first, counts
