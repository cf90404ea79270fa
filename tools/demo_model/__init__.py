"""Building blocks of tools/train_demo_model.py: corpus, tokenizer, model, GGUF export, report."""
