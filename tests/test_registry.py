"""The name -> object registry behind languages, backends, analyzers and executors."""

from __future__ import annotations

import threading
import time

import pytest

from rlcode.registry import Registry


def test_threads_asking_for_a_lazy_entry_while_it_is_built_all_get_it():
    """The scorer's threads ask for an analyzer at once; the first builds it (an import: slow), the
    others must wait for it, not find the name nowhere ("unknown analyzer 'treesitter'")."""
    registry: Registry[object] = Registry("analyzer")
    built: list[int] = []

    def build() -> object:
        built.append(1)
        time.sleep(0.2)
        return "analyzer"

    registry.register_lazy("slow", build)
    got: list[object] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            got.append(registry.get("slow"))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and got == ["analyzer"] * 8 and built == [1]


def test_a_failed_build_fails_again_and_duplicates_are_refused():
    registry: Registry[object] = Registry("executor")
    calls: list[int] = []

    def broken() -> object:
        calls.append(1)
        raise ImportError("the extra is not installed")

    registry.register_lazy("ray", broken)
    for _ in range(2):  # the same message each time, never "unknown executor"
        with pytest.raises(ImportError, match="extra"):
            registry.get("ray")
    assert calls == [1, 1] and "ray" in registry
    with pytest.raises(ValueError, match="already registered"):
        registry.register("ray", object())
    with pytest.raises(KeyError, match="unknown executor 'nope'"):
        registry.get("nope")
