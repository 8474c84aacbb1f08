"""A learned reward model on the preference pairs (``rlcode feedback train-rm``).

TRL's ``RewardTrainer`` fits a sequence-classification head (one score) on the store's TRL
preference rows (``exchange.preference_rows``: consensus pairs with their margin, corrections
over what they correct). A seeded share of the human preference pairs is held out and the
report gives the model's pairwise accuracy on them (score(chosen) > score(rejected)). The model
is saved to ``--out`` with ``rm.json`` (the report) and recorded in the store's meta table, so
``rlcode score --feedback DB`` fills ``components.human`` with ``sigmoid(score)`` for candidates
no human looked at (``human_source: predicted``) and ``feedback queue`` can use its
disagreement with the tests and its uncertainty."""

from __future__ import annotations

import json
import math
import random
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from rlcode.errors import UsageError


@dataclass
class RewardModelReport:
    model: str
    base: str
    pairs: int          # preference rows available
    train: int
    heldout: int
    heldout_accuracy: float | None
    train_accuracy: float | None
    epochs: float


def _text(prompt: str, code: str) -> str:
    return (prompt or "") + (code or "")


class RewardModel:
    """A trained reward model: ``predict(prompt, code)`` in (0, 1)."""

    def __init__(self, model, tokenizer, max_length: int = 512):
        self.model, self.tokenizer, self.max_length = model, tokenizer, max_length
        self._lock = threading.Lock()  # one forward at a time: the scorer calls from its worker threads

    @classmethod
    def load(cls, path: str | Path) -> "RewardModel":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        if not (path / "config.json").exists():
            raise UsageError(f"reward model {path}: not found (run `rlcode feedback train-rm` again)")
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSequenceClassification.from_pretrained(path)
        model.eval()
        return cls(model, tokenizer)

    def raw_scores(self, texts: list[str]) -> list[float]:
        import torch

        out = []
        with self._lock, torch.no_grad():
            for i in range(0, len(texts), 16):
                batch = self.tokenizer(texts[i:i + 16], return_tensors="pt", padding=True, truncation=True,
                                       max_length=self.max_length)
                out += self.model(**batch).logits[:, 0].float().tolist()
        return out

    def predict(self, prompt: str, code: str) -> float:
        s = self.raw_scores([_text(prompt, code)])[0]
        return round(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, s)))), 6)

    def pairwise_accuracy(self, rows: list[dict]) -> float | None:
        if not rows:
            return None
        chosen = self.raw_scores([_text(r["prompt"], r["chosen"]) for r in rows])
        rejected = self.raw_scores([_text(r["prompt"], r["rejected"]) for r in rows])
        return sum(c > r for c, r in zip(chosen, rejected)) / len(rows)


def load_recorded_model(store) -> RewardModel | None:
    """The reward model recorded in the store by ``train-rm``, or None."""
    path = store.get_meta("reward_model")
    return RewardModel.load(path) if path else None


def split_rows(rows: list[dict], heldout: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Held-out rows come from the human preference pairs only (never corrections)."""
    human = [r for r in rows if r.get("source") == "preference"]
    rng = random.Random(seed)
    n = int(round(len(human) * heldout)) if heldout > 0 and len(human) >= 2 else 0
    held = rng.sample(human, n) if n else []
    ids = {id(r) for r in held}
    return [r for r in rows if id(r) not in ids], held


def train_reward_model(store, base: str, out: str | Path, heldout: float = 0.2, epochs: float = 3.0,
                       lr: float = 1e-3, batch_size: int = 8, seed: int = 0, max_length: int = 512,
                       threshold: float | None = None, log=None) -> RewardModelReport:
    import torch
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from trl import RewardConfig, RewardTrainer

    from rlcode.feedback.exchange import preference_rows

    rows = preference_rows(store, threshold)
    train, held = split_rows(rows, heldout, seed)
    if len(train) < 2:
        raise UsageError(f"train-rm: {len(rows)} preference pairs in the store; need at least a few "
                         "(preferences with a winner, or corrections)")
    out = Path(out).resolve()
    tokenizer = AutoTokenizer.from_pretrained(base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    model.config.pad_token_id = tokenizer.pad_token_id
    data = Dataset.from_list([{"prompt": r["prompt"], "chosen": r["chosen"], "rejected": r["rejected"],
                               "margin": float(r["margin"])} for r in train])
    args = RewardConfig(output_dir=str(out / "trainer"), num_train_epochs=epochs, learning_rate=lr,
                        per_device_train_batch_size=batch_size, logging_steps=10, save_strategy="no",
                        report_to=[], seed=seed, max_length=max_length, use_cpu=True, disable_tqdm=True,
                        dataloader_num_workers=0)
    trainer = RewardTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer)
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    for callback in (PrinterCallback, ProgressCallback):  # their log dicts would go to our stdout
        trainer.remove_callback(callback)
    if log:
        log(f"training a reward model on {len(train)} pairs ({len(held)} held out) from {base}")
    trainer.train()
    model = trainer.model
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    rm = RewardModel(model, tokenizer, max_length)
    report = RewardModelReport(str(out), str(base), len(rows), len(train), len(held),
                               rm.pairwise_accuracy(held), rm.pairwise_accuracy(train), epochs)
    (out / "rm.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    store.set_meta("reward_model", str(out))
    return report
