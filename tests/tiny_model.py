"""The tiny local model for training tests now lives in the package (``rlcode.train.tiny``), where
``make demo-train`` uses it too; this module keeps the tests' imports working."""

from rlcode.train.tiny import (BOS, CHAT_TEMPLATE, EOS, PAD, build_model, build_tiny_model, build_tokenizer,  # noqa: F401
                               default_corpus, one_thread, teach)
