"""SentencePiece BPE tokenizer trained on the corpus, stored in GGUF as tokenizer.ggml.model = "llama"."""
import os
import random

import sentencepiece as spm

UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
# GGUF token types (reference §1.8)
TYPE_NORMAL, TYPE_UNKNOWN, TYPE_CONTROL, TYPE_BYTE = 1, 2, 3, 6


def train(corpus, vocab_size, work_dir, seed, chars_per_domain=1_500_000):
    """Trains on an equal share of every domain so no domain's characters crowd out another's.
    Returns the loaded processor."""
    rng = random.Random(seed)
    text_path = os.path.join(work_dir, "tokenizer-input.txt")
    with open(text_path, "w", encoding="utf-8") as out:
        for domain in sorted(corpus):
            docs = list(corpus[domain])
            rng.shuffle(docs)
            budget = chars_per_domain
            for doc in docs:
                if budget <= 0:
                    break
                out.write(doc + "\n")
                budget -= len(doc)
    prefix = os.path.join(work_dir, "tokenizer")
    spm.SentencePieceTrainer.train(
        input=text_path, model_prefix=prefix, model_type="bpe", vocab_size=vocab_size,
        byte_fallback=True, normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=True, split_digits=True, allow_whitespace_only_pieces=True,
        character_coverage=0.9995, max_sentence_length=1 << 16, input_sentence_size=0,
        unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID, pad_id=-1, num_threads=2,
        minloglevel=2)
    return load(prefix + ".model")


def load(model_path):
    return spm.SentencePieceProcessor(model_file=model_path)


def gguf_vocabulary(sp):
    """(tokens, scores, token_types) as tokenizer.ggml.{tokens,scores,token_type} store them."""
    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        tokens.append(sp.id_to_piece(i))
        scores.append(sp.get_score(i))
        if sp.is_unknown(i):
            types.append(TYPE_UNKNOWN)
        elif sp.is_control(i):
            types.append(TYPE_CONTROL)
        elif sp.is_byte(i):
            types.append(TYPE_BYTE)
        else:
            types.append(TYPE_NORMAL)
    return tokens, scores, types


def encode_document(sp, text):
    """<s> text </s>: every training document ends with EOS so the model learns to stop."""
    return [BOS_ID] + sp.encode(text) + [EOS_ID]


def continuation_text(sp, prompt, ids):
    """The text that `ids` add after `prompt`. Decoding them alone would drop the space that starts
    their first piece (SentencePiece strips the dummy prefix), so decode prompt and continuation together."""
    return sp.decode(sp.encode(prompt) + [i for i in ids if i != EOS_ID])[len(prompt):]
