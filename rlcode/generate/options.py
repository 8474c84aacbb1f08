"""``[generate]`` settings: how candidates are sampled (``rlcode generate`` flags override them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class GenerateOptions(BaseModel):
    """Sampling settings. Every row ``rlcode generate`` writes records them under ``sampling``."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["hf", "vllm", "openai"] = Field(
        "hf", description="hf: transformers in this process; vllm: the vllm extra; openai: any OpenAI-compatible server")
    n: int = Field(1, ge=1, le=10000, description="samples per task")
    temperature: float = Field(0.8, ge=0.0, le=5.0, description="sampling temperature; 0 means greedy decoding")
    top_p: float = Field(0.95, gt=0.0, le=1.0, description="nucleus sampling mass")
    max_new_tokens: int = Field(512, ge=1, le=65536, description="tokens generated per sample at most")
    batch_size: int = Field(8, ge=1, le=4096, description="sequences per generate call (hf, vllm); rows are "
                                                          "written after each batch, so a stop loses at most one")
    seed: int = Field(0, description="base seed; each batch's seed derives from it and the batch's first task")
    chat: Literal["auto", "always", "never"] = Field(
        "auto", description="auto: the chat template for instruction-style prompts (I/O, repair, non-Python "
                            "function tasks) where the tokenizer or server has one; completion-style prompts "
                            "(HumanEval) are always plain continuations")
    language: str | None = Field(None, description="answer I/O tasks in this language instead of the task's own")
    device: str = Field("auto", description="hf: auto (cuda when available), cpu, cuda, cuda:1, ...")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "auto", description="hf: auto is bfloat16 on a GPU that supports it, float32 on the CPU")
    base_url: str | None = Field(None, description="openai: the server, e.g. http://127.0.0.1:8000 (with or without /v1)")
    api_key: str | None = Field(None, description="openai: bearer token (RLCODE_GENERATE__API_KEY)")
    concurrency: int = Field(8, ge=1, le=512, description="openai: requests in flight at once")
    timeout_s: float = Field(120.0, gt=0, description="openai: seconds per request before it is retried")
    retries: int = Field(4, ge=0, le=20, description="openai: retries of a failed request (backoff 0.5 s, doubling)")

    @model_validator(mode="after")
    def _check(self) -> "GenerateOptions":
        if self.backend == "openai" and not self.base_url:
            raise ValueError("generate.base_url: required with backend openai (e.g. --base-url http://127.0.0.1:8000)")
        return self

    def sampling(self) -> dict:
        """What each generated row records about how it was sampled."""
        return {"backend": self.backend, "temperature": self.temperature, "top_p": self.top_p,
                "max_new_tokens": self.max_new_tokens, "seed": self.seed}
