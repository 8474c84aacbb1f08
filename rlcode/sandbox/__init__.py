"""Sandboxes: backends (docker, local) behind one registry; the runner that lives inside."""

from __future__ import annotations

import importlib

from rlcode.errors import UsageError

_MODULES = {"docker": "rlcode.sandbox.docker", "local": "rlcode.sandbox.local"}


def backend_class(name: str) -> type:
    """The backend class for ``name``; its module (and the docker SDK) is imported only when chosen."""
    from rlcode.sandbox.base import BACKENDS

    if name not in BACKENDS and name in _MODULES:
        importlib.import_module(_MODULES[name])
    if name not in BACKENDS:
        raise UsageError(f"unknown sandbox backend {name!r}", hint=f"use one of: {', '.join(sorted(_MODULES))}")
    return BACKENDS.get(name)


def open_backend(settings):
    return backend_class(settings.sandbox.backend)(SandboxConfig.from_settings(settings))


class SandboxConfig:
    """What a backend needs to know, flattened from Settings (plus where to log)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @classmethod
    def from_settings(cls, settings) -> "SandboxConfig":
        s = settings.sandbox
        return cls(memory_mb=s.memory_mb, pids=s.pids, cpus=s.cpus, tmpfs_mb=s.tmpfs_mb, log=settings.log)
