"""The training corpus: four labelled domains read only from files that Debian packages install.

english  fortune cookies in English       package fortunes, fortunes-min: /usr/share/games/fortunes/*
                                           (every file except the Chinese ones and the ASCII-art ones)
         license texts                     package base-files: /usr/share/common-licenses/{GPL-3,Apache-2.0,...}
chinese  Chinese fortunes, Tang and Song   package fortunes-zh: /usr/share/games/fortunes/{chinese,tang300,song100}
         poems (ANSI colour codes stripped)
code     C headers of the C library        package libc6-dev: every *.h file it installs (dpkg -L libc6-dev)
         Python standard library modules   package libpython3.11-minimal / libpython3.11-stdlib:
                                           /usr/lib/python3.11/*.py (top level only)
math     generated: "12+7=19"-style lines, short word questions and worked column additions
         (random, seeded; no file read)

Each domain is a list of documents (plain UTF-8 strings). A seeded shuffle holds out a fixed share
of the documents of every domain for evaluation.
"""
import glob
import os
import random
import re
import subprocess

DOMAINS = ("english", "chinese", "code", "math")

FORTUNE_DIR = "/usr/share/games/fortunes"
CHINESE_FORTUNES = ("chinese", "tang300", "song100")
SKIPPED_FORTUNES = ("art", "ascii-art") + CHINESE_FORTUNES
LICENSES = ("GPL-3", "Apache-2.0", "MPL-2.0", "LGPL-3", "Artistic", "BSD")
PYTHON_STDLIB = "/usr/lib/python3.11"

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
MAX_DOC_LINES = 48  # code files are cut into chunks that fit the training window


def _read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def _fortunes(path):
    """A fortune file is a list of cookies separated by lines holding a single '%'."""
    text = ANSI_ESCAPE.sub("", _read(path)).replace("\r", "").expandtabs(8)
    return [c.strip("\n") for c in re.split(r"\n%\n", text) if c.strip()]


def _paragraphs(text):
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


def _code_chunks(text):
    """Cuts a source file at blank lines into chunks of at most MAX_DOC_LINES lines."""
    chunks, current = [], []
    for block in re.split(r"\n(?:[ \t]*\n)+", text.expandtabs(4)):
        lines = block.rstrip().split("\n")
        if current and len(current) + len(lines) > MAX_DOC_LINES:
            chunks.append("\n".join(current))
            current = []
        current.extend(lines if not current else [""] + lines)
        while len(current) > MAX_DOC_LINES:
            chunks.append("\n".join(current[:MAX_DOC_LINES]))
            current = current[MAX_DOC_LINES:]
    if current:
        chunks.append("\n".join(current))
    return [c for c in chunks if c.strip()]


def english_documents():
    docs = []
    for path in sorted(glob.glob(os.path.join(FORTUNE_DIR, "*"))):
        name = os.path.basename(path)
        if "." in name or name in SKIPPED_FORTUNES or not os.path.isfile(path):
            continue
        docs.extend(_fortunes(path))
    for name in LICENSES:
        path = os.path.join("/usr/share/common-licenses", name)
        if os.path.isfile(path):
            docs.extend(_paragraphs(_read(path)))
    return docs


def chinese_documents():
    docs = []
    for name in CHINESE_FORTUNES:
        docs.extend(_fortunes(os.path.join(FORTUNE_DIR, name)))
    return docs


def _libc_headers():
    listing = subprocess.run(["dpkg-query", "-L", "libc6-dev"], capture_output=True, text=True, check=True)
    return sorted(p for p in listing.stdout.split("\n") if p.endswith(".h") and os.path.isfile(p))


def code_documents():
    docs = []
    for path in _libc_headers():
        docs.extend(_code_chunks(_read(path)))
    for path in sorted(glob.glob(os.path.join(PYTHON_STDLIB, "*.py"))):
        if not os.path.basename(path).startswith("_sysconfigdata"):  # a generated table, not code
            docs.extend(_code_chunks(_read(path)))
    return docs


def _worked_addition(rng):
    a, b = rng.randint(100, 9999), rng.randint(100, 9999)
    lines = [f"Add {a} and {b}:"]
    carry, place = 0, 1
    da, db = str(a)[::-1], str(b)[::-1]
    for i in range(max(len(da), len(db))):
        x = int(da[i]) if i < len(da) else 0
        y = int(db[i]) if i < len(db) else 0
        total = x + y + carry
        terms = f"{x}+{y}" + (f"+{carry}" if carry else "")
        new_carry = total // 10
        lines.append(f"{terms}={total}, write {total % 10}" + (f" carry {new_carry}" if new_carry else ""))
        carry, place = new_carry, place * 10
    if carry:
        lines.append(f"write {carry}")
    lines.append(f"So {a}+{b}={a + b}.")
    return "\n".join(lines)


def _equation(rng):
    op = rng.choice("++--*")
    if op == "+":
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        return f"{a}+{b}={a + b}"
    if op == "-":
        a = rng.randint(0, 99)
        b = rng.randint(0, a)
        return f"{a}-{b}={a - b}"
    a, b = rng.randint(0, 12), rng.randint(0, 12)
    return f"{a}*{b}={a * b}"


def _question(rng):
    a, b = rng.randint(1, 999), rng.randint(1, 999)
    if rng.random() < 0.5:
        return f"What is {a} plus {b}? {a}+{b}={a + b}"
    a, b = max(a, b), min(a, b)
    return f"What is {a} minus {b}? {a}-{b}={a - b}"


def math_documents(count, seed):
    rng = random.Random(seed)
    docs = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.5:
            docs.append("\n".join(_equation(rng) for _ in range(rng.randint(4, 12))))
        elif kind < 0.75:
            docs.append("\n".join(_question(rng) for _ in range(rng.randint(2, 5))))
        else:
            docs.append(_worked_addition(rng))
    return docs


def load_corpus(seed, math_docs=60000):
    """Returns {domain: documents}."""
    return {
        "english": english_documents(),
        "chinese": chinese_documents(),
        "code": code_documents(),
        "math": math_documents(math_docs, seed),
    }


def split_held_out(corpus, seed, held_out_share=0.04, max_held_out_docs=400):
    """Returns ({domain: train docs}, {domain: held-out docs}) with a seeded shuffle per domain."""
    train, held_out = {}, {}
    for i, domain in enumerate(DOMAINS):
        docs = list(corpus[domain])
        random.Random(seed * 1000 + i).shuffle(docs)
        n = min(max_held_out_docs, max(1, int(len(docs) * held_out_share)))
        held_out[domain], train[domain] = docs[:n], docs[n:]
    return train, held_out
