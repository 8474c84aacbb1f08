"""Sampling backends behind one protocol and one registry (heavy imports only when chosen).

A backend turns a list of ``Request``s (a rendered prompt and how many samples it needs) into
that many texts per request, already cut at the prompt's stop sequences.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from rlcode.errors import RlcodeError, UsageError
from rlcode.generate.options import GenerateOptions
from rlcode.generate.prompts import Prompt, cut_at_stop
from rlcode.registry import Registry


@dataclass(frozen=True)
class Request:
    prompt: Prompt
    count: int
    key: str  # stable text naming the work (task id and first sample index): seeds derive from it


class Generator(Protocol):
    name: str
    has_chat_template: bool

    def generate(self, requests: list[Request]) -> list[list[str]]:
        """``count`` texts for each request, in order."""

    def close(self) -> None: ...


GENERATORS: Registry[Any] = Registry("generation backend")


def derived_seed(base: int, key: str) -> int:
    """A batch's seed: the same work gets the same seed, whatever ran before it (resumes included)."""
    digest = hashlib.sha256(f"{base}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def _hf_factory():
    from rlcode.generate.hf import HFGenerator

    return HFGenerator


def _vllm_factory():
    from rlcode.generate.vllm_backend import VLLMGenerator

    return VLLMGenerator


def _openai_factory():
    from rlcode.generate.openai_backend import OpenAIGenerator

    return OpenAIGenerator


GENERATORS.register_lazy("hf", _hf_factory)
GENERATORS.register_lazy("vllm", _vllm_factory)
GENERATORS.register_lazy("openai", _openai_factory)


def open_generator(model: Any, options: GenerateOptions, tokenizer: Any = None) -> Generator:
    """The backend ``options.backend`` names, for ``model`` (a path or name; for hf also a loaded model)."""
    try:
        cls = GENERATORS.get(options.backend)
    except KeyError as exc:
        raise UsageError(str(exc).strip('"'), hint=f"--backend {' | '.join(GENERATORS.names())}") from None
    return cls(model, options, tokenizer=tokenizer)


def finish(text: str, prompt: Prompt) -> str:
    return cut_at_stop(text, prompt.stop) if prompt.stop else text


class GenerationFailed(RlcodeError):
    """The backend could not produce samples (a server that keeps failing, a model that will not load)."""

    exit_code = 1
