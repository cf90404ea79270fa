"""A small DeepSeek-V2-style MoE transformer in PyTorch, written to match llama.cpp's deepseek2 graph.

MLA attention without q-LoRA: q = W_q x per head [nope | rope]; a = W_kva x = [c (kv_lora) | k_pe (rope)],
c is RMS-normed and expanded by W_kvb into per-head [k_nope | v]; k_pe is shared by all heads. RoPE is the
interleaved (GPT-J, llama.cpp NORM) kind on the rope part only. Block 0 has a dense SwiGLU FFN, the others a
softmax router over all experts, top-k by probability, weight = probability, plus always-on shared experts.
"""
from dataclasses import asdict, dataclass
import math

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Config:
    n_vocab: int = 8192
    n_ctx: int = 512
    n_embd: int = 128
    n_layer: int = 5
    n_head: int = 4
    kv_lora_rank: int = 64
    qk_nope_dim: int = 32
    qk_rope_dim: int = 16
    v_head_dim: int = 32
    dense_ffn: int = 384          # width of the leading dense layer's FFN
    n_leading_dense: int = 1
    n_expert: int = 16
    n_expert_used: int = 2
    n_expert_shared: int = 1
    expert_ffn: int = 128
    rms_eps: float = 1e-6
    rope_base: float = 10000.0
    balance_alpha: float = 0.003  # DeepSeek-V2 expert-level balance loss weight

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(n_pos, rope_dim, base):
    """cos, sin of shape (n_pos, rope_dim/2): angle p * base^(-2i/rope_dim) for pair i."""
    inv_freq = base ** (-torch.arange(0, rope_dim, 2, dtype=torch.float64) / rope_dim)
    angles = torch.arange(n_pos, dtype=torch.float64)[:, None] * inv_freq[None, :]
    return angles.cos().float(), angles.sin().float()


def apply_rope(x, cos, sin):
    """Rotates interleaved pairs (x[2i], x[2i+1]). x: (B, T, heads, rope_dim); cos/sin: (T, rope_dim/2)."""
    pairs = x.unflatten(-1, (-1, 2))
    a, b = pairs[..., 0], pairs[..., 1]
    cos, sin = cos[:, None, :], sin[:, None, :]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)


class MultiHeadLatentAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        H = cfg.n_head
        self.q = nn.Linear(cfg.n_embd, H * (cfg.qk_nope_dim + cfg.qk_rope_dim), bias=False)
        self.kv_a = nn.Linear(cfg.n_embd, cfg.kv_lora_rank + cfg.qk_rope_dim, bias=False)
        self.kv_a_norm = RMSNorm(cfg.kv_lora_rank, cfg.rms_eps)
        # rows per head: [k_nope (qk_nope_dim) | v (v_head_dim)], heads concatenated (HF kv_b_proj layout)
        self.kv_b = nn.Linear(cfg.kv_lora_rank, H * (cfg.qk_nope_dim + cfg.v_head_dim), bias=False)
        self.out = nn.Linear(H * cfg.v_head_dim, cfg.n_embd, bias=False)
        self.scale = 1.0 / math.sqrt(cfg.qk_nope_dim + cfg.qk_rope_dim)

    def forward(self, x, cos, sin, mask_bias):
        cfg, (B, T, _) = self.cfg, x.shape
        H, nope = cfg.n_head, cfg.qk_nope_dim
        q = self.q(x).view(B, T, H, nope + cfg.qk_rope_dim)
        q_nope, q_pe = q[..., :nope], q[..., nope:]
        a = self.kv_a(x)
        c = self.kv_a_norm(a[..., :cfg.kv_lora_rank])                # (B, T, kv_lora)
        k_pe = a[..., cfg.kv_lora_rank:].unsqueeze(2)                 # (B, T, 1, rope)
        q_pe, k_pe = apply_rope(q_pe, cos, sin), apply_rope(k_pe, cos, sin)
        kv = self.kv_b(c).view(B, T, H, nope + cfg.v_head_dim)
        k = torch.cat((kv[..., :nope], k_pe.expand(B, T, H, cfg.qk_rope_dim)), dim=-1)
        q = torch.cat((q_nope, q_pe), dim=-1)

        def heads_first(t):  # (B, T, H, D) -> (B*H, T, D)
            return t.transpose(1, 2).reshape(B * H, T, t.shape[-1])

        scores = torch.baddbmm(mask_bias, heads_first(q), heads_first(k).transpose(1, 2), alpha=self.scale)
        o = torch.bmm(scores.softmax(-1), heads_first(kv[..., nope:]))  # (B*H, T, v_head)
        return self.out(o.view(B, H, T, cfg.v_head_dim).transpose(1, 2).reshape(B, T, H * cfg.v_head_dim))


class SwiGLU(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.gate = nn.Linear(dim, hidden, bias=False)
        self.up = nn.Linear(dim, hidden, bias=False)
        self.down = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class MoE(nn.Module):
    """Routed experts computed grouped: the (token, choice) pairs are sorted by expert and every expert
    multiplies its contiguous slice in one matmul, so the work is exactly what the routing asks for
    (no padding to a capacity, no token dropped) whatever the load imbalance."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        E, Fe, d = cfg.n_expert, cfg.expert_ffn, cfg.n_embd
        self.router = nn.Linear(d, E, bias=False)
        self.gate_exps = nn.Parameter(torch.empty(E, Fe, d))   # (n_expert, n_ff, n_embd)
        self.up_exps = nn.Parameter(torch.empty(E, Fe, d))     # (n_expert, n_ff, n_embd)
        self.down_exps = nn.Parameter(torch.empty(E, d, Fe))   # (n_expert, n_embd, n_ff)
        self.shared = SwiGLU(d, cfg.n_expert_shared * Fe)

    def forward(self, x, record=None):
        cfg, shape = self.cfg, x.shape
        E, K = cfg.n_expert, cfg.n_expert_used
        x = x.reshape(-1, shape[-1])                                  # (N, d)
        probs = self.router(x).softmax(-1)                            # (N, E)
        weights, experts = probs.topk(K, dim=-1)                      # (N, K), descending
        flat_expert = experts.reshape(-1)                             # (N*K), token-major
        order = flat_expert.argsort()
        counts = torch.bincount(flat_expert, minlength=E)
        token_of = order // K                                         # token of each sorted choice
        outputs = []
        for e, rows in enumerate(torch.split(x[token_of], counts.tolist())):
            if rows.shape[0]:
                h = F.silu(rows @ self.gate_exps[e].t()) * (rows @ self.up_exps[e].t())
                outputs.append(h @ self.down_exps[e].t())
        sorted_out = torch.cat(outputs) * weights.reshape(-1)[order].unsqueeze(-1)
        routed = torch.zeros_like(x).index_add_(0, token_of, sorted_out)
        y = routed + self.shared(x)
        # DeepSeek-V2 expert-level balance loss: sum_i f_i * P_i, f_i = E/(K N) * tokens choosing i
        load = counts.float() * (E / (K * x.shape[0]))
        balance = (load * probs.mean(0)).sum()
        if record is not None:
            record.append({"probs": probs.detach(), "experts": experts.detach(), "weights": weights.detach()})
        return y.view(shape), balance


class Block(nn.Module):
    def __init__(self, cfg, index):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        self.attn = MultiHeadLatentAttention(cfg)
        self.ffn_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        self.is_moe = index >= cfg.n_leading_dense
        self.ffn = MoE(cfg) if self.is_moe else SwiGLU(cfg.n_embd, cfg.dense_ffn)

    def forward(self, x, cos, sin, mask_bias, record):
        x = x + self.attn(self.attn_norm(x), cos, sin, mask_bias)
        h = self.ffn_norm(x)
        if self.is_moe:
            y, balance = self.ffn(h, record)
            return x + y, balance
        return x + self.ffn(h), x.new_zeros(())


class DemoMoE(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.token_embd = nn.Embedding(cfg.n_vocab, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg, i) for i in range(cfg.n_layer))
        self.output_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        self.output = nn.Linear(cfg.n_embd, cfg.n_vocab, bias=False)
        cos, sin = rope_tables(cfg.n_ctx, cfg.qk_rope_dim, cfg.rope_base)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        mask = torch.full((cfg.n_ctx, cfg.n_ctx), float("-inf")).triu(1)  # added to the attention scores
        self.register_buffer("mask_bias", mask, persistent=False)
        self._init_weights()

    def _init_weights(self):
        std = 0.02
        residual_std = std / math.sqrt(2 * self.cfg.n_layer)  # outputs that add into the residual stream
        for name, p in self.named_parameters():
            if p.dim() == 1:
                continue
            last = name.split(".")[-2] if name.endswith(".weight") else name.split(".")[-1]
            nn.init.normal_(p, std=residual_std if last in ("out", "down", "down_exps") else std)

    def forward(self, tokens, record=None):
        """tokens (B, T) -> logits (B, T, V), summed balance loss of the MoE layers.
        If `record` is a list, every MoE layer appends its router probs, chosen experts and weights."""
        T = tokens.shape[1]
        x = self.token_embd(tokens)
        balance = x.new_zeros(())
        for block in self.blocks:
            x, b = block(x, self.cos[:T], self.sin[:T], self.mask_bias[:T, :T], record)
            balance = balance + b
        return self.output(self.output_norm(x)), balance
