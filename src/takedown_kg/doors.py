"""A package's one public door: the names the rest of the project may use, imported on first use.

Each stage package (corpus, checks, query, views, export, serve) lists what
it offers in its __init__ and nothing else is meant to be reached from
outside it. The names are resolved when first asked for, so importing a
door costs nothing: a command pays only for the modules it uses (a cold
`query` must not import SHACL, pyvis or the server).
"""

from __future__ import annotations

from importlib import import_module


def lazy_door(package: str, exports: dict[str, str]):
    """(__getattr__, __all__) for `package`, whose `exports` map each public name to its module."""

    def __getattr__(name: str):
        if name in exports:
            value = getattr(import_module(f".{exports[name]}", package), name)
            setattr(import_module(package), name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__, sorted(exports)
