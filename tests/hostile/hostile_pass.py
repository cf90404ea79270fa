#!/usr/bin/env python3
"""Scripted hostile pass (issue 13): bad session files, option values and export paths given to
the real programs. Every case must end with a one-line error naming the problem, an exit code
below 128 (no crash, no signal death), within a time limit (no hang), and no stray file.

usage: hostile_pass.py --cli build/cli/moescope-cli [--app build/app/moescope] --work DIR
"""
import argparse
import base64
import copy
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def floats(values):
    return base64.b64encode(struct.pack("<%df" % len(values), *values)).decode()


def valid_session():
    """3 blocks (block 0 dense), 4 experts top-2, two tokens."""
    model = {
        "path": "m.gguf", "name": "hand-made", "architecture": "deepseek2", "file_size": "1000",
        "n_layer": 3, "n_embd": 64, "n_head": 4, "n_head_kv": 4, "n_vocab": 100, "n_ctx_train": 512,
        "n_expert": 4, "n_expert_used": 2, "n_expert_shared": 1, "expert_ffn": 32, "shared_ffn": 32,
        "dense_ffn": 128, "n_leading_dense": 1, "moe_layers": [1, 2], "gating": "softmax",
        "weights_normalized": True, "weights_scale": 1.0, "n_group": 0, "n_group_used": 0,
        "has_selection_bias": False, "has_shared_gate": False, "attention": "MLA",
        "params_total": "123", "params_active": "45", "params_by_type": {"F32": "123"},
        "kv_bytes_per_token": "100", "kv_bytes_per_token_mha": "200", "tokenizer": "llama",
    }

    def token(step, text, experts):
        layers = [{"layer": l, "probs": floats([0.4, 0.3, 0.2, 0.1]), "scores": floats([0.4, 0.3, 0.2, 0.1]),
                   "experts": experts, "weights": floats([0.6, 0.4]), "shared_gate": floats([float("nan")]),
                   "time_ms": 0.5} for l in (1, 2)]
        return {"step": step, "pos": step, "token_id": 7 + step, "text": base64.b64encode(text).decode(),
                "is_prompt": step == 0, "moe_layers": layers, "layer_time_ms": [0.1, 0.5, 0.5],
                "total_ms": 1.1, "flops_used": 10.0, "flops_dense": 20.0, "weight_bytes_used": 5.0,
                "weight_bytes_dense": 9.0}

    return {
        "format": "moescope-session", "version": 1, "model": model,
        "request": {"prompt": "hi", "max_new_tokens": 4, "temperature": 0.0, "top_k": 0, "top_p": 1.0, "seed": "0"},
        "generated_text": "x",
        "stats": {"prompt_tokens": 1, "generated_tokens": 1, "elapsed_ms": 2.0, "prefill_ms": 1.0, "decode_ms": 1.0,
                  "time_to_first_token_ms": 1.0, "cancelled": False, "stopped_at_eos": False},
        "tokens": [token(0, b"h\\i", [0, 1]), token(1, b"\xe2\x82", [3, 0])],
    }


def edited(path, value):
    doc = copy.deepcopy(valid_session())
    node = doc
    for step in path[:-1]:
        node = node[step]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(doc).encode()


DELETE = object()


def run(args, timeout=120, expect_files=(), env=None):
    started = time.monotonic()
    try:
        p = subprocess.run(args, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        check(False, "hang (> %ds): %s" % (timeout, args))
        return None
    p.seconds = time.monotonic() - started
    return p


def expect_one_line_error(p, what, needle, code_range=(1, 127)):
    if p is None:
        return
    err = p.stderr.decode("utf-8", "replace")
    # The programs' own lines; Qt's offscreen platform adds notes of its own.
    lines = [l for l in err.splitlines() if l.startswith("moescope")]
    check(code_range[0] <= p.returncode <= code_range[1], "%s: exit code %d (stderr %r)" % (what, p.returncode, err))
    check(len(lines) == 1, "%s: %d lines of error: %r" % (what, len(lines), err))
    check(needle in err, "%s: %r not in %r" % (what, needle, err))


def no_stray_files(folder, allowed, what):
    names = sorted(os.listdir(folder))
    check(names == sorted(allowed), "%s: stray files %s" % (what, sorted(set(names) - set(allowed))))


def hostile_sessions(app, work):
    folder = os.path.join(work, "sessions")
    os.makedirs(folder)
    cases = [
        # (name, bytes, what the one-line error must name)
        ("n_layer_minus_1", edited(["model", "n_layer"], -1), "model.n_layer is -1"),
        ("n_layer_huge", edited(["model", "n_layer"], 10 ** 9), "model.n_layer is 1000000000"),
        ("expert_999", edited(["tokens", 1, "moe_layers", 0, "experts", 0], 999), "experts[0] is 999"),
        ("expert_minus_5", edited(["tokens", 0, "moe_layers", 1, "experts", 1], -5), "experts[1] is -5"),
        ("layer_77", edited(["tokens", 0, "moe_layers", 0, "layer"], 77), "moe_layers[0].layer is 77"),
        ("moe_layer_77", edited(["model", "moe_layers", 1], 77), "model.moe_layers[1] is 77"),
        ("probs_short", edited(["tokens", 0, "moe_layers", 0, "probs"], floats([1.0])), "probs is 1 long"),
        ("probs_nan", edited(["tokens", 0, "moe_layers", 0, "probs"], floats([0.5, float("nan"), 0, 0])), "probs[1] is nan"),
        ("weights_inf", edited(["tokens", 1, "moe_layers", 1, "weights"], floats([float("inf"), 0])), "weights[0] is inf"),
        ("n_layer_text", edited(["model", "n_layer"], "three"), "model.n_layer is \"three\""),
        ("n_layer_missing", edited(["model", "n_layer"], DELETE), "model.n_layer is missing"),
        ("name_long", edited(["model", "name"], "n" * 100000), "model.name is 100000 bytes long"),
        ("top_p_2", edited(["request", "top_p"], 2), "request.top_p is 2"),
        ("not_json", b"{\"format\": \"moescope-session\", \"version\": 1, \"model\": {", "JSON error"),
        ("empty", b"", "JSON error"),
        ("binary", bytes(range(256)) * 4, "JSON error"),
    ]
    csv = os.path.join(folder, "out.csv")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    written = []
    for name, data, needle in cases:
        path = os.path.join(folder, name + ".json")
        with open(path, "wb") as f:
            f.write(data)
        written.append(name + ".json")
        p = run([app, path, "--export-routing", csv], env=env, timeout=60)
        expect_one_line_error(p, "session " + name, needle)
    no_stray_files(folder, written, "hostile sessions")
    # The valid base session opens and exports its two tokens' rows (2 layers x top-2 each).
    good = os.path.join(folder, "good.json")
    with open(good, "wb") as f:
        f.write(json.dumps(valid_session()).encode())
    p = run([app, good, "--export-routing", csv], env=env, timeout=60)
    if p is not None:
        check(p.returncode == 0, "valid session: exit %d %r" % (p.returncode, p.stderr))
        rows = open(csv, "rb").read().decode("utf-8").splitlines()  # strict UTF-8
        check(len(rows) == 1 + 8, "valid session: %d CSV lines" % len(rows))
        check(rows[1].startswith("0,0,7,h\\\\i,1,0,0,"), "valid session: first row %r" % rows[1])
        check(rows[5].startswith("1,1,8,\\xE2\\x82,1,0,3,"), "valid session: fifth row %r" % rows[5])


def hostile_options(cli, work):
    folder = os.path.join(work, "options")
    os.makedirs(folder)
    os.makedirs(os.path.join(folder, "a-folder"))
    # A FIFO stands for a path that is not a regular file; /dev/null would be replaced by a
    # file if the check ever let a write through.
    fifo = os.path.join(folder, "a-pipe")
    os.mkfifo(fifo)
    base = [cli, "run", "-p", "Hello", "-n", "2"]
    cases = [
        (["--threads", "1000"], "--threads 1000 is out of range (allowed: 1 to "),
        (["--threads", "0"], "--threads 0 is out of range"),
        (["--threads", "99999999999999"], "does not fit in a 32-bit integer"),
        (["--temp", "-1"], "--temp -1 is out of range (allowed: 0 or more)"),
        (["--temp", "nan"], "--temp nan is out of range"),
        (["--top-p", "2"], "--top-p 2 is out of range (allowed: more than 0, up to 1)"),
        (["--top-p", "0"], "--top-p 0 is out of range"),
        (["--top-k", "-3"], "--top-k -3 is out of range (allowed: 0 or more)"),
        (["--experts", "1000"], "--experts 1000 is out of range (allowed: 1 to "),
        (["--experts", "0"], "--experts 0 is out of range"),
        (["--disable-expert", "99:99"], "layer 99 is not a MoE layer"),
        (["--disable-expert", "1:99"], "expert 99 is out of range"),
        (["--disable-expert", "nonsense"], "--disable-expert expects LAYER:EXPERT"),
        (["--ctx", "100000000"], "--ctx 100000000 is out of range (allowed: 1 to "),
        (["--ctx", "-4"], "--ctx -4 is out of range"),
        (["-n", "-1"], "-n must be >= 0"),
        (["--logits-top", "0"], "--logits-top 0 is out of range (allowed: 1 to "),
        (["--logits-top", "-5", "--logits-csv", os.path.join(folder, "l.csv")], "--logits-top -5 is out of range"),
        (["--routing-csv", os.path.join(folder, "a-folder")], "it is a folder"),
        (["--routing-csv", "/proc/x.csv"], "cannot write '/proc/x.csv'"),
        (["--json", os.path.join(folder, "missing", "x.json")], "does not exist"),
        (["--logits-csv", fifo], "it is not a regular file"),
        (["--routing-csv", ""], "the path is empty"),
        (["--bogus"], "unknown option --bogus"),
    ]
    for extra, needle in cases:
        p = run(base + extra)
        expect_one_line_error(p, "run " + " ".join(extra), needle)
        if p is not None:
            check(p.stdout == b"", "run %s: generated before failing: %r" % (extra, p.stdout[:80]))
    p = run([cli, "bench", "--threads", "1000"])
    expect_one_line_error(p, "bench --threads 1000", "--threads 1000 is out of range")
    p = run([cli, "bench", "-p", "100000000", "-n", "8"])
    expect_one_line_error(p, "bench -p 100000000", "--prompt-tokens 100000000 is out of range (allowed: 1 to 1048576)")
    p = run([cli, "synth", "--arch", "deepseek2", "--preset", "v3", "--layers", "100000", "-o", os.path.join(folder, "x.gguf")])
    expect_one_line_error(p, "synth --layers 100000", "--layers 100000 is out of range (allowed: 1 to 61, the preset's blocks)")
    p = run([cli, "synth", "--arch", "deepseek2", "--preset", "tiny", "-o", os.path.join(folder, "a-folder")])
    expect_one_line_error(p, "synth -o folder", "it is a folder")
    no_stray_files(folder, ["a-folder", "a-pipe"], "hostile options")
    no_stray_files(os.path.join(folder, "a-folder"), [], "hostile options (inside the folder)")


def interrupted_export(cli, work):
    """Ctrl+C keeps the trace: the run stops, the exports are written, the exit code is 130."""
    folder = os.path.join(work, "sigint")
    os.makedirs(folder)
    csv = os.path.join(folder, "routing.csv")
    stale = csv + ".tmp-AbC123"  # what a killed writer left an hour ago
    with open(stale, "w") as f:
        f.write("partial")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    p = subprocess.Popen([cli, "run", "-p", "Once upon a time", "-n", "3000", "--ignore-eos", "--ctx-override",
                          "--ctx", "4096", "--threads", "1", "--routing-csv", csv],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Interrupt once some text has streamed (the generation is under way).
    first = p.stdout.read(8)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        check(False, "SIGINT: the run did not stop")
        return
    err = err.decode("utf-8", "replace")
    check(p.returncode == 130, "SIGINT: exit %d, %r" % (p.returncode, err))
    check("(interrupted)" in err, "SIGINT: no '(interrupted)' in %r" % err)
    check(" 0 tok/s" not in err.split("generated:")[-1], "SIGINT: the speed of the produced tokens is 0: %r" % err)
    check(len(first) > 0, "SIGINT: nothing streamed before the interrupt")
    data = open(csv, "rb").read()
    data.decode("utf-8")  # strict
    check(data.startswith(b"step,pos,token_id,token_text,") and data.endswith(b"\n"), "SIGINT: CSV incomplete")
    check(data.count(b"\n") > 10, "SIGINT: the trace lost its rows")
    no_stray_files(folder, ["routing.csv"], "SIGINT (the stale temp file is cleaned too)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--app")
    parser.add_argument("--work")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="moescope-hostile-")
    if os.path.exists(work) and os.listdir(work):
        sys.exit("work folder %s is not empty" % work)
    os.makedirs(work, exist_ok=True)
    hostile_options(args.cli, work)
    interrupted_export(args.cli, work)
    if args.app:
        hostile_sessions(args.app, work)
    if failures:
        print("%d hostile cases failed" % len(failures))
        return 1
    print("hostile pass: every case ended with a one-line error, exit < 128, no stray file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
