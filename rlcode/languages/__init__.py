"""The language registry: one small module per language, registered here by name.

Adding a language is one module with a ``Language`` value plus ``sandboxes/<name>/Dockerfile``;
nothing else changes. Duplicate names are refused by the registry.
"""

from __future__ import annotations

import importlib

from rlcode.languages.base import Language
from rlcode.registry import Registry

LANGUAGES: Registry[Language] = Registry("language")

_BUILTIN = ("python", "c", "cpp", "java", "javascript", "typescript", "go", "rust", "haskell", "scala")

for _name in _BUILTIN:
    LANGUAGES.register(_name, importlib.import_module(f"rlcode.languages.{_name}").LANGUAGE)


def get_language(name: str) -> Language:
    return LANGUAGES.get(name)


def language_names() -> set[str]:
    return set(LANGUAGES.names())


__all__ = ["LANGUAGES", "Language", "get_language", "language_names"]
