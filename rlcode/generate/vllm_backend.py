"""vLLM backend (the ``vllm`` extra): imported only when ``--backend vllm`` is chosen."""

from __future__ import annotations

from typing import Any

from rlcode.errors import UsageError
from rlcode.generate.backends import Request, derived_seed, finish
from rlcode.generate.options import GenerateOptions


class VLLMGenerator:
    name = "vllm"

    def __init__(self, model: Any, options: GenerateOptions, tokenizer: Any = None):
        try:
            import vllm
        except ImportError:
            raise UsageError("--backend vllm needs the vllm extra, which is not installed",
                             hint="pip install 'rlcode[vllm]' (a CUDA machine), or use --backend hf") from None
        if not isinstance(model, str):
            raise UsageError("--backend vllm takes a model path or name, not a loaded model")
        self.options = options
        self._vllm = vllm
        self.llm = vllm.LLM(model=model, seed=options.seed, dtype="auto" if options.dtype == "auto" else options.dtype)
        self.tokenizer = self.llm.get_tokenizer()
        self.has_chat_template = bool(getattr(self.tokenizer, "chat_template", None))

    def generate(self, requests: list[Request]) -> list[list[str]]:
        o = self.options
        texts, params = [], []
        for req in requests:
            p = req.prompt
            if p.messages and self.has_chat_template:
                text = self.tokenizer.apply_chat_template(list(p.messages), tokenize=False, add_generation_prompt=True)
            else:
                text = p.text
            texts.append(text)
            params.append(self._vllm.SamplingParams(
                n=req.count, temperature=o.temperature, top_p=o.top_p if o.temperature > 0 else 1.0,
                max_tokens=o.max_new_tokens, stop=list(p.stop) or None, seed=derived_seed(o.seed, req.key)))
        outputs = self.llm.generate(texts, params, use_tqdm=False)
        return [[finish(c.text, req.prompt) for c in out.outputs] for req, out in zip(requests, outputs)]

    def close(self) -> None:
        self.llm = None
