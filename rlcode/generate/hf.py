"""transformers backend: batched sampling with left padding, stop strings, the chat template
for instruction-style prompts. Takes a path (loaded here) or an already loaded model, which is how
``rlcode train`` evaluates its policy without saving and reloading it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlcode.generate.backends import GenerationFailed, Request, derived_seed, finish
from rlcode.generate.options import GenerateOptions


def pick_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(dtype: str, device: str):
    import torch

    if dtype != "auto":
        return getattr(torch, dtype)
    if device.startswith("cuda") and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def load_tokenizer(model: str):
    from transformers import AutoTokenizer

    # A name that is not a folder is looked up in the local cache only: no hub is reached from here.
    tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=not Path(model).exists())
    if tokenizer.pad_token is None:  # many causal LMs ship without one: pad with EOS (masked anyway)
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


class HFGenerator:
    name = "hf"

    def __init__(self, model: Any, options: GenerateOptions, tokenizer: Any = None):
        from transformers import AutoModelForCausalLM

        self.options = options
        if isinstance(model, str):
            self.device = pick_device(options.device)
            try:
                self.tokenizer = tokenizer or load_tokenizer(model)
                self.model = AutoModelForCausalLM.from_pretrained(
                    model, dtype=pick_dtype(options.dtype, self.device),
                    local_files_only=not Path(model).exists()).to(self.device)
            except (OSError, ValueError) as exc:
                raise GenerationFailed(f"cannot load model {model!r}: {str(exc).splitlines()[0]}",
                                       hint="give a local folder saved with save_pretrained (no hub is reached)") from None
        else:  # a loaded model (the trainer's policy)
            if tokenizer is None:
                raise ValueError("a loaded model needs its tokenizer")
            self.model, self.tokenizer = model, tokenizer
            self.device = str(next(model.parameters()).device)
        self.has_chat_template = bool(getattr(self.tokenizer, "chat_template", None))

    def render(self, req: Request) -> str:
        p = req.prompt
        if p.messages and self.has_chat_template:
            return self.tokenizer.apply_chat_template(list(p.messages), tokenize=False, add_generation_prompt=True)
        return p.text

    def generate(self, requests: list[Request]) -> list[list[str]]:
        import torch
        from transformers import set_seed

        o = self.options
        texts, owners = [], []
        for i, req in enumerate(requests):
            texts += [self.render(req)] * req.count
            owners += [i] * req.count
        stops = sorted({s for req in requests for s in req.prompt.stop})
        tok = self.tokenizer
        side = tok.padding_side
        tok.padding_side = "left"  # a batch's prompts end where generation starts
        try:
            enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        finally:
            tok.padding_side = side
        set_seed(derived_seed(o.seed, requests[0].key) if requests else o.seed)
        sampling = {"do_sample": True, "temperature": o.temperature, "top_p": o.top_p} if o.temperature > 0 \
            else {"do_sample": False}
        was_training = self.model.training
        self.model.eval()
        with torch.no_grad():
            out = self.model.generate(**enc, max_new_tokens=o.max_new_tokens, pad_token_id=tok.pad_token_id,
                                      stop_strings=stops or None, tokenizer=tok if stops else None, **sampling)
        if was_training:
            self.model.train()
        new = out[:, enc["input_ids"].shape[1]:]
        decoded = tok.batch_decode(new, skip_special_tokens=True)
        results: list[list[str]] = [[] for _ in requests]
        for owner, text in zip(owners, decoded):
            results[owner].append(finish(text, requests[owner].prompt))
        return results

    def close(self) -> None:
        pass
