"""Any OpenAI-compatible server (vLLM's, llama.cpp's, TGI's, the real thing): ``/v1/completions``
for completion-style prompts, ``/v1/chat/completions`` for instruction-style ones, bounded
concurrency, retries with exponential backoff on timeouts, connection errors, 429 and 5xx."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rlcode.generate.backends import GenerationFailed, Request, derived_seed, finish
from rlcode.generate.options import GenerateOptions

_RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIGenerator:
    name = "openai"
    has_chat_template = True  # the server applies its own

    def __init__(self, model: Any, options: GenerateOptions, tokenizer: Any = None):
        import httpx

        if not isinstance(model, str):
            raise ValueError("the openai backend takes a model name")
        self.model, self.options = model, options
        base = (options.base_url or "").rstrip("/")
        self.base = base[:-3] if base.endswith("/v1") else base
        headers = {"Authorization": f"Bearer {options.api_key}"} if options.api_key else {}
        self.client = httpx.Client(timeout=options.timeout_s, headers=headers,
                                   limits=httpx.Limits(max_connections=options.concurrency))
        self.pool = ThreadPoolExecutor(options.concurrency, thread_name_prefix="rlcode-openai")
        self.requests_sent = 0  # attempts, retries included (for tests and logs)

    def _body(self, req: Request) -> tuple[str, dict]:
        o, p = self.options, req.prompt
        body: dict[str, Any] = {"model": self.model, "n": req.count, "max_tokens": o.max_new_tokens,
                                "temperature": o.temperature, "top_p": o.top_p,
                                "seed": derived_seed(o.seed, req.key)}
        if p.stop:
            body["stop"] = list(p.stop)[:4]  # the API takes at most four; the rest are cut here
        if p.messages and self.options.chat != "never":
            return "/v1/chat/completions", {**body, "messages": list(p.messages)}
        return "/v1/completions", {**body, "prompt": p.text}

    def _post(self, req: Request) -> list[str]:
        import httpx

        path, body = self._body(req)
        delay, last = 0.5, "no attempt"
        for attempt in range(self.options.retries + 1):
            if attempt:
                time.sleep(delay * (0.75 + random.random() / 2))
                delay *= 2
            self.requests_sent += 1
            try:
                resp = self.client.post(self.base + path, json=body)
            except httpx.TransportError as exc:  # timeouts, refused or dropped connections
                last = f"{type(exc).__name__}: {exc}"
                continue
            if resp.status_code in _RETRYABLE:
                last = f"HTTP {resp.status_code}"
                retry_after = resp.headers.get("retry-after")
                if retry_after and retry_after.replace(".", "", 1).isdigit():
                    delay = max(delay, min(float(retry_after), 30.0))
                continue
            if resp.status_code >= 400:
                raise GenerationFailed(f"{self.base}{path}: HTTP {resp.status_code}: {resp.text[:300]}",
                                       hint="check --model names a model the server serves")
            try:
                choices = sorted(resp.json()["choices"], key=lambda c: c.get("index", 0))
                texts = [c["message"]["content"] if "message" in c else c["text"] for c in choices]
            except (ValueError, KeyError, TypeError) as exc:
                raise GenerationFailed(f"{self.base}{path}: not an OpenAI-style reply ({exc})") from None
            if len(texts) < req.count:  # a server that ignores n: ask again for the rest
                more = self._post(Request(req.prompt, req.count - len(texts), req.key + "+"))
                texts += more
            return [finish(t or "", req.prompt) for t in texts[:req.count]]
        raise GenerationFailed(f"{self.base}{path}: gave up after {self.options.retries + 1} attempts ({last})",
                               hint="is the server up? raise --retries or --timeout")

    def generate(self, requests: list[Request]) -> list[list[str]]:
        return list(self.pool.map(self._post, requests))

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()
