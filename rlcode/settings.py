"""One settings object: CLI flags > ``RLCODE_*`` environment > ``rlcode.toml`` > defaults.

Library code receives a ``Settings`` and never reads the environment itself. Nested fields are
set from the environment with a double underscore: ``RLCODE_SANDBOX__WORKERS=4``.
"""

from __future__ import annotations

import threading
import tomllib
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from rlcode.errors import InputError
from rlcode.generate.options import GenerateOptions
from rlcode.records import Limits
from rlcode.train.config import TrainSettings


_DEFAULT_WEIGHTS = {"runtime": 0.8, "static": 0.2, "human": 0.0}


class SandboxSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["docker", "local"] = Field("docker", description="where candidates run")
    workers: int = Field(2, ge=1, le=256, description="warm sandboxes (containers) running candidates in parallel")
    time_s: float = Field(3.0, gt=0, le=600, description="CPU seconds per candidate (a task's limits override)")
    memory_mb: int = Field(512, ge=16, le=65536, description="memory per candidate (a task's limits override)")
    output_kb: int = Field(1024, ge=1, description="stdout + stderr a candidate may write")
    file_mb: int = Field(16, ge=1, description="largest file a candidate may write")
    pids: int = Field(64, ge=8, description="processes per container")
    cpus: float = Field(1.0, gt=0, description="CPUs per container")
    tmpfs_mb: int = Field(64, ge=8, description="size of the container's writable /tmp")
    retries: int = Field(2, ge=0, le=10, description="retries after an infrastructure failure before sandbox_error")
    cache: bool = Field(True, description="serve identical (code, tests, limits, toolchain) results and compiled "
                                          "artifacts from the on-disk cache, keep compiled HumanEval checks there, "
                                          "and run identical candidates of one run once; off: every candidate runs")
    cache_path: str | None = Field(None, description="the cache file; default ~/.cache/rlcode/cache.sqlite")
    cache_max_mb: int = Field(2048, ge=1, description="cache size bound; least recently used entries go first")
    executor: Literal["threads", "ray"] = Field(
        "threads", description="threads: warm sandboxes on this machine; ray: Ray actors over a cluster, each "
                               "with its own warm sandbox on its node (needs the ray extra; docs/scale-out.md)")
    address: str | None = Field(None, description="executor = \"ray\": the cluster (auto, ray://HOST:PORT or "
                                                  "HOST:PORT); unset: a Ray instance started for this run")

    @model_validator(mode="after")
    def _check_executor(self) -> "SandboxSettings":
        if self.address and self.executor != "ray":
            raise ValueError("sandbox.address: only used with executor = \"ray\" (set sandbox.executor = \"ray\" "
                             "or drop the address)")
        return self

    def limits(self) -> Limits:
        return Limits(time_s=self.time_s, memory_mb=self.memory_mb, output_kb=self.output_kb, file_mb=self.file_mb)


class RewardSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    runtime_mode: Literal["binary", "partial"] = Field(
        "binary", description="binary: 1 if every test passes; partial: the fraction of tests passed")
    penalties: dict[str, float] = Field(
        default_factory=dict,
        description="runtime score in [0, 1) for a verdict that is not passed, replacing 0 or the partial credit "
                    "(e.g. failed = 0.1, runtime_error = 0.05 ranks runnable wrong code above compile errors)")
    weights: dict[str, float] = Field(
        default_factory=lambda: dict(_DEFAULT_WEIGHTS),
        description="component weights; renormalised over the components present for a row")
    efficiency_weight: float = Field(
        0.0, ge=0.0, le=1.0,
        description="share of a passing program's runtime score that depends on its CPU time relative to the "
                    "task's canonical_solution (min(1, canonical / candidate)); 0 turns the term off")
    feedback: str | None = Field(None, description="a feedback store (SQLite path or postgresql:// URL): its "
                                                   "consensus goes into components.human (like `score --feedback`)")
    static_needs_pass: bool = Field(
        True, description="the static component counts only for programs that pass every test (clean but "
                          "wrong code earns nothing, so the static term cannot be farmed with empty bodies)")

    @model_validator(mode="after")
    def _check(self) -> "RewardSettings":
        from rlcode.records import Verdict

        known = {v.value for v in Verdict} - {"sandbox_error"}
        for verdict in self.penalties:
            if verdict not in known - {"passed"}:
                raise ValueError(f"reward.penalties: unknown verdict {verdict!r} "
                                 f"(one of {', '.join(sorted(known - {'passed'}))})")
            if not 0.0 <= self.penalties[verdict] < 1.0:
                raise ValueError(f"reward.penalties.{verdict}: must be in [0, 1) so components stay in [0, 1]")
        # Components not named keep their default weight (a file or flag may set just one).
        self.weights = {**_DEFAULT_WEIGHTS, **self.weights}
        for name, w in self.weights.items():
            if name not in _DEFAULT_WEIGHTS:
                raise ValueError(f"reward.weights: unknown component {name!r} (runtime, static, human)")
            if w < 0:
                raise ValueError(f"reward.weights.{name}: must be >= 0")
        if not any(self.weights.values()):
            raise ValueError("reward.weights: at least one weight must be positive")
        return self


class FeedbackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    db: str | None = Field(None, description="the feedback store: a SQLite path or postgresql://... URL "
                                             "(default ./feedback.sqlite)")
    rubric: list[str] = Field(default_factory=lambda: ["correctness", "efficiency", "readability", "conventions"],
                              description="rating dimensions offered by the review")
    reliability_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="raters whose estimated reliability falls below this are down-weighted "
                                         "(their votes count by reliability squared) and reported")
    human_weight: float = Field(
        0.3, ge=0.0, description="the human component's weight when feedback is given (`--feedback`, "
                                 "[reward] feedback) and reward.weights.human is left at 0: below the tests' "
                                 "0.8, above static's 0.2; 0 keeps components.human out of the reward")


class AnalysisSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="run static analysis while scoring (the static reward component)")
    analyzers: list[str] = Field(default_factory=lambda: ["ruff", "treesitter", "compiler"],
                                 description="ruff, pylint, treesitter, compiler; pylint is opt-in: on a cold cache "
                                             "it takes scoring of the HumanEval mix to 2.2x (over the 2x budget), "
                                             "1.17x warm")
    cache_dir: str | None = Field(None, description="analysis caches (pylint); default ~/.cache/rlcode")
    severity_weights: dict[str, float] = Field(
        default_factory=lambda: {"error": 1.0, "warning": 0.5, "convention": 0.1, "info": 0.0},
        description="weight of a finding of each severity in the static score")

    @model_validator(mode="after")
    def _check(self) -> "AnalysisSettings":
        known = {"ruff", "pylint", "treesitter", "compiler"}
        for name in self.analyzers:
            if name not in known:
                raise ValueError(f"analysis.analyzers: unknown analyzer {name!r} (one of {', '.join(sorted(known))})")
        for name in self.severity_weights:
            if name not in ("error", "warning", "convention", "info"):
                raise ValueError(f"analysis.severity_weights: unknown severity {name!r}")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RLCODE_", env_nested_delimiter="__", extra="forbid")

    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    reward: RewardSettings = Field(default_factory=RewardSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    generate: GenerateOptions = Field(default_factory=GenerateOptions)
    train: TrainSettings = Field(default_factory=TrainSettings)
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)

    # Not configuration: where progress messages go (set by the CLI).
    _log: Callable[[str], None] | None = None

    @model_validator(mode="after")
    def _feedback_weight(self) -> "Settings":
        # Feedback given but the human weight left at 0: use [feedback] human_weight (see its description).
        if self.reward.feedback and not self.reward.weights.get("human"):
            self.reward.weights = {**self.reward.weights, "human": self.feedback.human_weight}
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    def log(self, message: str) -> None:
        if self._log:
            self._log(message)


# The parsed file for the Settings being built (pydantic-settings sources are classes, so the
# data reaches _TomlSource through here; _LOADING keeps concurrent load_settings calls apart).
_TOML_DATA: dict[str, Any] = {}
_LOADING = threading.Lock()
_SECTIONS = ("sandbox", "reward", "analysis", "generate", "train", "feedback")


class _TomlSource(PydanticBaseSettingsSource):
    def get_field_value(self, field, field_name):  # pragma: no cover - required by the ABC
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        # pydantic-settings deep-merges the sources, so a flag for one field keeps the file's others.
        return {k: v for k, v in _TOML_DATA.items() if k in _SECTIONS}


def parse_weights(pairs: list[str] | None) -> dict[str, float] | None:
    """``["runtime=1", "static=0.5"]`` from the command line, merged over the configured weights."""
    if not pairs:
        return None
    out: dict[str, float] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError("--weight", None, name or pair, f"expected COMPONENT=NUMBER, got {pair!r}") from None
    return out


def load_settings(config: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Build the settings; ``overrides`` are CLI flags (``{"sandbox": {"workers": 4}}``), None values ignored."""
    path = Path(config) if config else (Path("rlcode.toml") if Path("rlcode.toml").exists() else None)
    if path is not None and not path.exists():
        raise InputError(str(path), None, None, "no such config file")
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(str(path), getattr(exc, "lineno", None), None, f"invalid TOML: {exc}") from None
        unknown = set(data) - {"sandbox", "reward", "generate", "train", "eval", "feedback", "analysis"}
        if unknown:
            raise InputError(str(path), None, sorted(unknown)[0], "unknown section")
    clean = {k: {kk: vv for kk, vv in v.items() if vv is not None} for k, v in (overrides or {}).items()}
    clean = {k: v for k, v in clean.items() if v}
    with _LOADING:
        _TOML_DATA.clear()
        _TOML_DATA.update(data)
        try:
            return Settings(**clean)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise InputError(str(path or "settings"), None, field, err["msg"],
                             hint="see docs/configuration.md for every field") from None
        finally:
            _TOML_DATA.clear()
