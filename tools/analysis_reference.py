#!/usr/bin/env python3
"""Independent reference for `moescope-cli analyze`: reads a routing CSV and writes the same
JSON keys, computed straight from the definitions in README.md ("Routing analytics") with
numpy and plain loops, for clarity rather than speed (small traces, as in the tests).

usage: analysis_reference.py ROUTING.csv --n-expert N [--cache-sizes 2,4] [--min-count 5]
                             [--top-tokens 10] --json OUT
"""
import argparse
import csv
import json
import math
import re
from collections import Counter
from fractions import Fraction

import numpy as np

WINDOWS = (1, 4, 16, 64)


def decode_text(text):
    return re.sub(rb"\\\\|\\x([0-9a-fA-F]{2})",
                  lambda m: b"\\" if m.group(0) == b"\\\\" else bytes([int(m.group(1), 16)]),
                  text.encode("utf-8", "surrogateescape")).decode("utf-8", "replace")


def read_tokens(path):
    """Tokens in file order: dict(step, pos, id, text, doc, domain, sets={layer: [experts by rank]})."""
    tokens = []
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        for row in csv.DictReader(f):
            key = (row["step"], row.get("doc", ""))
            if not tokens or tokens[-1]["key"] != key:
                tokens.append({"key": key, "pos": int(row["pos"]), "id": int(row["token_id"]),
                               "text": decode_text(row.get("token_text", "")), "doc": row.get("doc", ""),
                               "domain": row.get("domain", ""), "ranks": {}})
            tokens[-1]["ranks"].setdefault(int(row["layer"]), {})[int(row["rank"])] = int(row["expert"])
    sequence = -1
    for i, t in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        if prev is None or t["doc"] != prev["doc"] or t["pos"] != prev["pos"] + 1:
            sequence += 1
        t["sequence"] = sequence
        t["sets"] = {layer: [r[k] for k in sorted(r)] for layer, r in t["ranks"].items()}
    return tokens


def mutual_information_bits(joint):
    joint = np.asarray(joint, dtype=float)
    total = joint.sum()
    if total == 0:
        return None
    p = joint / total
    pa = p.sum(axis=1, keepdims=True)
    pb = p.sum(axis=0, keepdims=True)
    mask = p > 0
    return float((p[mask] * np.log2(p[mask] / (pa @ pb)[mask])).sum())


def simulate(sets, capacity, policy):
    """Replays the sets; returns hits / requests (definitions in README.md)."""
    cache, last, count, hits, requests = set(), {}, Counter(), 0, 0
    for t, chosen in enumerate(sets):
        hits += len(cache & set(chosen))
        requests += len(chosen)
        for e in chosen:
            if e in cache:
                continue
            if len(cache) == capacity:
                candidates = [r for r in cache if r not in chosen]
                if policy == "lru":
                    victim = min(candidates, key=lambda r: (last[r], r))
                elif policy == "lfu":
                    victim = min(candidates, key=lambda r: (count[r], last[r], r))
                else:
                    def next_use(r):
                        return next((u for u in range(t + 1, len(sets)) if r in sets[u]), math.inf)
                    victim = min(candidates, key=lambda r: (-next_use(r), r))
                cache.remove(victim)
            cache.add(e)
        for e in chosen:
            last[e] = t
            count[e] += 1
    return hits / requests


def rankings(pairs, totals, n_expert, top, min_count):
    """pairs: (token id, expert) per routed occurrence; totals: N(x)."""
    counts = Counter(pairs)
    per_expert = [[] for _ in range(n_expert)]
    for (x, e), c in counts.items():
        per_expert[e].append((x, c))
    out = []
    for e in range(n_expert):
        def entry(x, c):
            return {"token": x, "count": c, "total": totals[x], "consistency": c / totals[x]}
        by_count = sorted(per_expert[e], key=lambda xc: (-xc[1], xc[0]))[:top]
        eligible = [xc for xc in per_expert[e] if totals[xc[0]] >= min_count]
        by_consistency = sorted(eligible, key=lambda xc: (-Fraction(xc[1], totals[xc[0]]), -xc[1], xc[0]))[:top]
        out.append({"by_count": [entry(*xc) for xc in by_count],
                    "by_consistency": [entry(*xc) for xc in by_consistency]})
    return out


def analyze(tokens, n_expert, cache_sizes, min_count, top):
    layers = sorted(tokens[0]["sets"])
    max_k = max(len(s) for t in tokens for s in t["sets"].values())
    if not cache_sizes:
        cache_sizes = sorted({c for c in (max_k, 2 * max_k, 4 * max_k, n_expert // 4, n_expert // 2) if c >= max_k})
    T = len(tokens)
    domains = sorted({t["domain"] for t in tokens if t["domain"]})
    pairs_idx = [i for i in range(T - 1) if tokens[i]["sequence"] == tokens[i + 1]["sequence"]]
    result = {"tokens": T, "sequences": len({t["sequence"] for t in tokens}), "n_expert": n_expert, "layers": []}
    for li, layer in enumerate(layers):
        sets = [t["sets"][layer] for t in tokens]
        member = np.zeros((T, n_expert))  # one-hot rows of E_t
        for i, s in enumerate(sets):
            member[i, s] = 1
        load = member.sum(axis=0)
        total = load.sum()
        share = load / total
        mean = total / n_expert
        nz = share[share > 0]
        k = float(np.mean([len(s) for s in sets]))
        kr = min(max(int(math.floor(k + 0.5)), 1), n_expert)
        any_random = 1.0 if 2 * kr > n_expert else 1 - math.comb(n_expert - kr, kr) / math.comb(n_expert, kr)
        together = member.T @ member
        coactivation = np.divide(together, load[:, None], out=np.zeros_like(together), where=load[:, None] > 0)
        top1 = [s[0] for s in sets]
        entry = {
            "layer": layer, "k": k, "load": load.astype(int).tolist(), "share": share.tolist(),
            "cv": float(np.std(load) / mean), "entropy": float(-(nz * np.log(nz)).sum() / math.log(n_expert)),
            "max_vio": float((load.max() - mean) / mean), "balance_fp": None,
            "dead": [e for e in range(n_expert) if load[e] == 0],
            "repeat_top1": float(np.mean([top1[i] == top1[i + 1] for i in pairs_idx])) if pairs_idx else None,
            "repeat_top1_random": 1 / n_expert,
            "repeat_any": float(np.mean([bool(set(sets[i]) & set(sets[i + 1])) for i in pairs_idx])) if pairs_idx else None,
            "repeat_any_random": any_random,
            "coactivation": coactivation.tolist(),
        }
        if li + 1 < len(layers):
            joint = np.zeros((n_expert, n_expert))
            for t in tokens:
                joint[t["sets"][layer][0], t["sets"][layers[li + 1]][0]] += 1
            entry["next_layer_mi_bits"] = mutual_information_bits(joint)
            entry["next_layer_transitions"] = joint.astype(int).tolist()
        else:
            entry["next_layer_mi_bits"] = None
            entry["next_layer_transitions"] = []
        entry["cache"] = [{"size": c, "lru": simulate(sets, c, "lru"), "lfu": simulate(sets, c, "lfu"),
                           "oracle": simulate(sets, c, "oracle")} for c in cache_sizes]
        windows = []
        for w in WINDOWS:
            counts = [len(set().union(*sets[i:i + w])) for i in range(T - w + 1)
                      if tokens[i]["sequence"] == tokens[i + w - 1]["sequence"]]
            windows.append({"window": w, "mean": float(np.mean(counts)) if counts else None})
        entry["distinct_per_window"] = windows
        entry["coverage"] = (np.cumsum(np.sort(load)[::-1]) / total).tolist()
        entry["domains"] = {}
        joint = np.zeros((len(domains), n_expert))
        for di, d in enumerate(domains):
            rows = [i for i in range(T) if tokens[i]["domain"] == d]
            entry["domains"][d] = {"tokens": len(rows), "share": (member[rows].sum(axis=0) / len(rows)).tolist()}
            for i in rows:
                joint[di, top1[i]] += 1
        entry["domain_mi_bits"] = mutual_information_bits(joint) if domains else None
        inputs = Counter(t["id"] for t in tokens)
        nexts = Counter(tokens[i + 1]["id"] for i in pairs_idx)
        input_rank = rankings([(tokens[i]["id"], e) for i in range(T) for e in sets[i]], inputs, n_expert, top, min_count)
        next_rank = rankings([(tokens[i + 1]["id"], e) for i in pairs_idx for e in sets[i]], nexts, n_expert, top, min_count)
        entry["vocabulary"] = [{"expert": e, "input": input_rank[e], "next": next_rank[e]} for e in range(n_expert)]
        result["layers"].append(entry)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("--n-expert", type=int, required=True)
    parser.add_argument("--cache-sizes", default="")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--top-tokens", type=int, default=10)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    sizes = sorted({int(c) for c in args.cache_sizes.split(",") if c})
    result = analyze(read_tokens(args.csv), args.n_expert, sizes, args.min_count, args.top_tokens)
    with open(args.json, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
