"""An independent NumPy forward pass that reads only the GGUF (keys and tensors) and follows llama.cpp's
absorbed MLA path (reference §3.4: q̃ = K_b q_nope, attention over [c | k_pe], V_b applied after).
Used to check the export: it must reproduce the PyTorch reference, which uses the naive kv_b path."""
import numpy as np

from . import gguf

ARCH = "deepseek2."


def _rms(x, g, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * g


def _silu(x):
    return x / (1 + np.exp(-x))


def _frequencies(m, n_rot):
    """Per-pair RoPE frequencies base^(-2i/n_rot), YaRN-blended as ggml does it (reference §3.2.3) when
    the file asks for YaRN, and the attention-scale factor mscale² (§3.2.4)."""
    base = m.get(ARCH + "rope.freq_base", 10000.0)
    theta = base ** (-np.arange(0, n_rot, 2, dtype=np.float64) / n_rot)
    if m.get(ARCH + "rope.scaling.type") != "yarn":
        return theta, 1.0
    s = m[ARCH + "rope.scaling.factor"]
    l0 = m.get(ARCH + "rope.scaling.original_context_length", m[ARCH + "context_length"])

    def corr(n_rotations):
        return n_rot * np.log(l0 / (2 * np.pi * n_rotations)) / (2 * np.log(base))

    lo, hi = max(0.0, np.floor(corr(32))), min(n_rot - 1.0, np.ceil(corr(1)))
    keep = 1 - np.clip((np.arange(n_rot // 2) - lo) / max(0.001, hi - lo), 0, 1)
    mscale = 1 + m.get(ARCH + "rope.scaling.yarn_log_multiplier", 0.0) * np.log(s)
    return theta / s * (1 - keep) + theta * keep, mscale * mscale


def _rope(x, pos, freqs):
    """Rotates interleaved pairs (x[2i], x[2i+1]) of the last axis by pos * freqs[i]."""
    theta = pos * freqs
    cos, sin = np.cos(theta).astype(np.float32), np.sin(theta).astype(np.float32)
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2], out[..., 1::2] = a * cos - b * sin, a * sin + b * cos
    return out


def forward(path, tokens):
    """Returns (logits (T, V), routing [per position: [(layer, experts, weights, probs)]])."""
    r = gguf.Reader(path)
    m, W = r.metadata, {k: v.astype(np.float32) for k, v in r.tensors.items()}
    L, H = m[ARCH + "block_count"], m[ARCH + "attention.head_count"]
    eps = m[ARCH + "attention.layer_norm_rms_epsilon"]
    r_kv, n_rot = m[ARCH + "attention.kv_lora_rank"], m[ARCH + "rope.dimension_count"]
    d_k = m[ARCH + "attention.key_length_mla"]
    d_nope, K = d_k - n_rot, m[ARCH + "expert_used_count"]
    n_dense = m[ARCH + "leading_dense_block_count"]
    weight_scale = m.get(ARCH + "expert_weights_scale", 1.0) or 1.0
    freqs, mscale2 = _frequencies(m, n_rot)
    scale = mscale2 / np.sqrt(d_k)
    T = len(tokens)
    x = W["token_embd.weight"][tokens]                              # (T, d)
    routing = [[] for _ in range(T)]
    for i in range(L):
        p = f"blk.{i}."
        h = _rms(x, W[p + "attn_norm.weight"], eps)
        q = (h @ W[p + "attn_q.weight"].T).reshape(T, H, d_k)
        a = h @ W[p + "attn_kv_a_mqa.weight"].T                     # (T, r_kv + n_rot)
        c = _rms(a[:, :r_kv], W[p + "attn_kv_a_norm.weight"], eps)  # (T, r_kv)
        k_pe = np.stack([_rope(a[t, r_kv:], t, freqs) for t in range(T)])          # (T, n_rot)
        q_pe = np.stack([_rope(q[t, :, d_nope:], t, freqs) for t in range(T)])     # (T, H, n_rot)
        k_b, v_b = W[p + "attn_k_b.weight"], W[p + "attn_v_b.weight"]  # (H, r_kv, nope), (H, v, r_kv)
        q_lat = np.einsum("hrn,thn->thr", k_b, q[:, :, :d_nope])      # (T, H, r_kv)
        scores = (np.einsum("thr,sr->hts", q_lat, c) + np.einsum("thn,sn->hts", q_pe, k_pe)) * scale
        scores += np.triu(np.full((T, T), -np.inf, dtype=np.float32), 1)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        o_lat = np.einsum("hts,sr->thr", probs, c)                   # (T, H, r_kv)
        o = np.einsum("hvr,thr->thv", v_b, o_lat).reshape(T, -1)      # (T, H*v)
        x = x + o @ W[p + "attn_output.weight"].T
        f = _rms(x, W[p + "ffn_norm.weight"], eps)
        if i < n_dense:
            x = x + (_silu(f @ W[p + "ffn_gate.weight"].T) * (f @ W[p + "ffn_up.weight"].T)) @ W[p + "ffn_down.weight"].T
            continue
        logits = f @ W[p + "ffn_gate_inp.weight"].T
        gate = np.exp(logits - logits.max(-1, keepdims=True))
        gate /= gate.sum(-1, keepdims=True)
        y = (_silu(f @ W[p + "ffn_gate_shexp.weight"].T) * (f @ W[p + "ffn_up_shexp.weight"].T)) @ W[p + "ffn_down_shexp.weight"].T
        for t in range(T):
            experts = sorted(range(gate.shape[1]), key=lambda e: (-gate[t, e], e))[:K]
            for e in experts:
                hidden = _silu(W[p + "ffn_gate_exps.weight"][e] @ f[t]) * (W[p + "ffn_up_exps.weight"][e] @ f[t])
                y[t] += weight_scale * gate[t, e] * (W[p + "ffn_down_exps.weight"][e] @ hidden)
            routing[t].append((i, experts, [weight_scale * float(gate[t, e]) for e in experts], gate[t]))
        x = x + y
    x = _rms(x, W["output_norm.weight"], eps)
    return x @ W["output.weight"].T, routing


def check_against_reference(path, reference, logit_tol=2e-3, prob_tol=1e-4):
    """Compares this forward pass with the reference JSON; returns the largest differences seen."""
    worst_logit = worst_prob = 0.0
    for entry in reference["prompts"]:
        logits, routing = forward(path, entry["tokens"])
        for pos, expected in enumerate(entry["positions"]):
            for token, value in expected["top_logits"]:
                worst_logit = max(worst_logit, abs(float(logits[pos, token]) - value))
            for (layer, experts, _, probs), moe in zip(routing[pos], expected["moe"]):
                assert layer == moe["layer"]
                p_ref = np.array(moe["probs"])
                worst_prob = max(worst_prob, float(np.abs(probs - p_ref).max()))
                ranked = np.sort(p_ref)[::-1]
                near_tie = ranked[len(experts) - 1] - ranked[len(experts)] < prob_tol
                assert near_tie or sorted(experts) == sorted(moe["experts"]), (entry["domain"], pos, layer)
    assert worst_logit < logit_tol and worst_prob < prob_tol, (worst_logit, worst_prob)
    return worst_logit, worst_prob
