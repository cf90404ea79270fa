"""Export to a llama.cpp-style deepseek2 GGUF, and the reference file the C++ test compares against."""
import json

import numpy as np
import torch

from . import gguf, tokenizer
from .gguf import ARRAY, BOOL, F32, STR, U32

ARCH = "deepseek2"
FILE_TYPE_MOSTLY_F16 = 1


def _np(t):
    return t.detach().float().cpu().numpy()


def gguf_tensors(model):
    """[(name, ggml type, array in torch layout)] in the order llama.cpp's converter writes them.
    Norms and routers stay F32, every other weight is F16."""
    cfg = model.cfg
    F16, F32_ = gguf.GGML_F16, gguf.GGML_F32
    H, nope = cfg.n_head, cfg.qk_nope_dim
    out = [("token_embd.weight", F16, _np(model.token_embd.weight)),
           ("output_norm.weight", F32_, _np(model.output_norm.weight)),
           ("output.weight", F16, _np(model.output.weight))]
    for i, block in enumerate(model.blocks):
        p, attn = f"blk.{i}.", block.attn
        # kv_b rows per head are [k_nope | v]; llama.cpp stores k_b transposed per head (§2.3):
        # attn_k_b[h][r][c] = kv_b[h*(nope+v) + c][r],  attn_v_b[h][c][r] = kv_b[h*(nope+v) + nope + c][r]
        kv_b = _np(attn.kv_b.weight).reshape(H, nope + cfg.v_head_dim, cfg.kv_lora_rank)
        out += [(p + "attn_norm.weight", F32_, _np(block.attn_norm.weight)),
                (p + "attn_q.weight", F16, _np(attn.q.weight)),                 # (H*(nope+rope), d)
                (p + "attn_kv_a_norm.weight", F32_, _np(attn.kv_a_norm.weight)),
                (p + "attn_kv_a_mqa.weight", F16, _np(attn.kv_a.weight)),       # (kv_lora+rope, d)
                (p + "attn_k_b.weight", F16, kv_b[:, :nope, :].transpose(0, 2, 1)),  # (H, kv_lora, nope)
                (p + "attn_v_b.weight", F16, kv_b[:, nope:, :]),                # (H, v_head, kv_lora)
                (p + "attn_output.weight", F16, _np(attn.out.weight)),          # (d, H*v_head)
                (p + "ffn_norm.weight", F32_, _np(block.ffn_norm.weight))]
        ffn = block.ffn
        if not block.is_moe:
            out += [(p + "ffn_gate.weight", F16, _np(ffn.gate.weight)),         # (F, d)
                    (p + "ffn_up.weight", F16, _np(ffn.up.weight)),             # (F, d)
                    (p + "ffn_down.weight", F16, _np(ffn.down.weight))]         # (d, F)
        else:
            out += [(p + "ffn_gate_inp.weight", F32_, _np(ffn.router.weight)),  # (E, d)
                    (p + "ffn_gate_exps.weight", F16, _np(ffn.gate_exps)),      # (E, Fe, d)
                    (p + "ffn_up_exps.weight", F16, _np(ffn.up_exps)),          # (E, Fe, d)
                    (p + "ffn_down_exps.weight", F16, _np(ffn.down_exps)),      # (E, d, Fe)
                    (p + "ffn_gate_shexp.weight", F16, _np(ffn.shared.gate.weight)),  # (S*Fe, d)
                    (p + "ffn_up_shexp.weight", F16, _np(ffn.shared.up.weight)),      # (S*Fe, d)
                    (p + "ffn_down_shexp.weight", F16, _np(ffn.shared.down.weight))]  # (d, S*Fe)
    return out


def round_to_file_precision(model):
    """Rounds every parameter that the GGUF stores as F16 to F16 (in place), so the PyTorch reference
    runs on exactly the weights in the file. Splitting kv_b into k_b/v_b is exact, so kv_b is rounded whole."""
    keep_f32 = {id(m.weight) for m in model.modules() if m.__class__.__name__ == "RMSNorm"}
    keep_f32 |= {id(b.ffn.router.weight) for b in model.blocks if b.is_moe}
    with torch.no_grad():
        for p in model.parameters():
            if id(p) not in keep_f32:
                p.copy_(p.half().float())


def gguf_metadata(cfg, sp, name):
    tokens, scores, types = tokenizer.gguf_vocabulary(sp)
    k = ARCH + "."
    return {
        "general.architecture": STR(ARCH),
        "general.name": STR(name),
        "general.description": STR("MoEScope demo model: a small DeepSeek-V2-style MoE trained by "
                                   "tools/train_demo_model.py on English, Chinese, code and arithmetic"),
        "general.file_type": U32(FILE_TYPE_MOSTLY_F16),
        k + "context_length": U32(cfg.n_ctx),
        k + "embedding_length": U32(cfg.n_embd),
        k + "block_count": U32(cfg.n_layer),
        k + "feed_forward_length": U32(cfg.dense_ffn),
        k + "attention.head_count": U32(cfg.n_head),
        # the absorbed MQA view llama.cpp runs: one shared key [c | k_pe] and value c per token
        k + "attention.head_count_kv": U32(1),
        k + "attention.key_length": U32(cfg.kv_lora_rank + cfg.qk_rope_dim),
        k + "attention.value_length": U32(cfg.kv_lora_rank),
        k + "attention.key_length_mla": U32(cfg.qk_nope_dim + cfg.qk_rope_dim),
        k + "attention.value_length_mla": U32(cfg.v_head_dim),
        k + "attention.layer_norm_rms_epsilon": F32(cfg.rms_eps),
        k + "attention.q_lora_rank": U32(0),  # 0: plain attn_q (older llama.cpp requires the key)
        k + "attention.kv_lora_rank": U32(cfg.kv_lora_rank),
        k + "rope.dimension_count": U32(cfg.qk_rope_dim),
        k + "rope.freq_base": F32(cfg.rope_base),
        k + "rope.scaling.type": STR("none"),
        k + "expert_count": U32(cfg.n_expert),
        k + "expert_used_count": U32(cfg.n_expert_used),
        k + "expert_shared_count": U32(cfg.n_expert_shared),
        k + "expert_feed_forward_length": U32(cfg.expert_ffn),
        k + "leading_dense_block_count": U32(cfg.n_leading_dense),
        k + "expert_weights_scale": F32(1.0),
        k + "expert_weights_norm": BOOL(False),
        k + "expert_gating_func": U32(1),  # softmax
        k + "vocab_size": U32(cfg.n_vocab),
        "tokenizer.ggml.model": STR("llama"),
        "tokenizer.ggml.tokens": ARRAY(gguf.T_STRING, tokens),
        "tokenizer.ggml.scores": ARRAY(gguf.T_FLOAT32, scores),
        "tokenizer.ggml.token_type": ARRAY(gguf.T_INT32, types),
        "tokenizer.ggml.bos_token_id": U32(tokenizer.BOS_ID),
        "tokenizer.ggml.eos_token_id": U32(tokenizer.EOS_ID),
        "tokenizer.ggml.unknown_token_id": U32(tokenizer.UNK_ID),
        "tokenizer.ggml.add_bos_token": BOOL(True),
        "tokenizer.ggml.add_eos_token": BOOL(False),
        "tokenizer.ggml.add_space_prefix": BOOL(True),
        "tokenizer.ggml.remove_extra_whitespaces": BOOL(False),
    }


def write_gguf(model, sp, path, name):
    tensors = gguf_tensors(model)
    gguf.write(path, gguf_metadata(model.cfg, sp, name), tensors)
    return tensors


def verify_gguf(path, tensors, cfg, sp):
    """Reads the file back and checks every tensor's shape, type and values, and the vocabulary."""
    r = gguf.Reader(path)
    assert r.version == 3 and len(r.tensor_info) == len(tensors)
    for name, ggml_type, array in tensors:
        ne, stored_type, offset = r.tensor_info[name]
        assert stored_type == ggml_type and ne == array.shape[::-1], (name, ne, stored_type)
        assert offset % gguf.ALIGNMENT == 0
        expected = array.astype(gguf.TENSOR_DTYPES[ggml_type])
        assert np.array_equal(r.tensors[name], expected), name
    assert r.metadata["tokenizer.ggml.tokens"] == tokenizer.gguf_vocabulary(sp)[0]
    assert r.metadata[ARCH + ".block_count"] == cfg.n_layer
    return r


@torch.no_grad()
def evaluate_prompt(model, ids, top_n=10):
    """Logits and routing of every position of `ids` (a list of token ids starting with BOS)."""
    record = []
    logits, _ = model(torch.tensor([ids]), record)
    positions = []
    for pos in range(len(ids)):
        values, top = logits[0, pos].topk(top_n)
        moe = []
        for layer, r in zip([i for i, b in enumerate(model.blocks) if b.is_moe], record):
            moe.append({"layer": layer,
                        "experts": r["experts"][pos].tolist(),
                        "weights": [float(w) for w in r["weights"][pos].float().numpy()],
                        "probs": [float(p) for p in r["probs"][pos].float().numpy()]})
        positions.append({"pos": pos, "token": ids[pos],
                          "top_logits": [[int(i), float(v)] for i, v in zip(top.tolist(), values.float().numpy())],
                          "moe": moe})
    return positions


@torch.no_grad()
def greedy(model, ids, n_new):
    """Greedy continuation (ties to the lowest id), stopping after EOS. Also returns, per generated
    token, how far its logit lies above the runner-up's (a small margin may flip in another engine)."""
    ids = list(ids)
    generated, margins = [], []
    for _ in range(n_new):
        logits, _ = model(torch.tensor([ids[-model.cfg.n_ctx:]]))
        top2 = logits[0, -1].topk(2).values
        nxt = int(logits[0, -1].argmax())
        generated.append(nxt)
        margins.append(float(top2[0] - top2[1]))
        ids.append(nxt)
        if nxt == tokenizer.EOS_ID:
            break
    return generated, margins


def write_reference(model, sp, prompts, path, n_new=16):
    """prompts: {domain: text}. The model must already hold the file's (F16-rounded) weights."""
    model.eval()
    entries = []
    for domain, text in prompts.items():
        ids = [tokenizer.BOS_ID] + sp.encode(text)
        continuation, margins = greedy(model, ids, n_new)
        entries.append({"domain": domain, "prompt": text, "tokens": ids,
                        "positions": evaluate_prompt(model, ids),
                        "greedy_tokens": continuation, "greedy_margins": margins,
                        "greedy_text": tokenizer.continuation_text(sp, text, continuation)})
    cfg = model.cfg
    doc = {"model": "demo-moe.gguf",
           "note": "PyTorch float32 forward pass on the F16-rounded weights of the GGUF. Token ids are "
                   "SentencePiece ids with BOS prepended. Per position: top-10 logits, and for every MoE "
                   "layer the chosen experts in rank order (descending prob), their weights (= prob, no "
                   "renormalisation, scale 1) and the softmax probs over all experts. greedy_tokens: greedy "
                   "continuation (argmax, ties to the lowest id, stops after </s>); greedy_margins: top-1 minus "
                   "top-2 logit at each of those steps.",
           "n_vocab": cfg.n_vocab, "n_expert": cfg.n_expert, "n_expert_used": cfg.n_expert_used,
           "prompts": entries}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    return doc
