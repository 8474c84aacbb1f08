"""A name → object registry that refuses duplicates (languages, backends, analyzers, executors)."""

from __future__ import annotations

import threading
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}
        self._lazy: dict[str, Callable[[], T]] = {}
        self._building = threading.RLock()  # one thread builds a lazy entry; the others wait for it

    def register(self, name: str, item: T) -> T:
        self._check_free(name)
        self._items[name] = item
        return item

    def register_lazy(self, name: str, factory: Callable[[], T]) -> None:
        """Register something whose import is heavy: built on first use."""
        self._check_free(name)
        self._lazy[name] = factory

    def _check_free(self, name: str) -> None:
        if name in self._items or name in self._lazy:
            raise ValueError(f"{self.kind} {name!r} is already registered")

    def get(self, name: str) -> T:
        if name not in self._items and name in self._lazy:
            with self._building:  # no thread may see the entry in neither dict while it is built
                if name not in self._items and name in self._lazy:
                    self._items[name] = self._lazy[name]()  # a failed build stays lazy, to fail again
                    del self._lazy[name]
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r} (known: {', '.join(self.names())})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._lazy

    def names(self) -> list[str]:
        return sorted({*self._items, *self._lazy})

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
