"""Dotted paths into raw config dicts: ``--set a.b.c=value`` overrides and their lookups."""

from __future__ import annotations

import tomllib

from lachin_sim.errors import ConfigError, Problem


def parse_override(text: str) -> tuple[str, object]:
    """Split ``a.b.c=value``; the value is read as TOML (numbers, booleans, dates, lists, tables),
    falling back to a plain string."""
    if "=" not in text:
        raise ConfigError("--set", [Problem(text, None, "expected dotted.path=value")])
    path, _, value_text = text.partition("=")
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    except RecursionError:
        raise ConfigError(
            "--set", [Problem(path.strip(), None, "value nested too deeply")]
        ) from None
    return path.strip(), value


def set_dotted(raw: dict, path: str, value: object, source: str = "--set") -> None:
    """Set ``raw[a][b][c] = value`` for ``path = "a.b.c"``; integer parts index lists.

    Missing tables are created, so a field left at its default can be overridden; a name that
    the schema does not know is reported when the result is validated. ``source`` says where
    the override comes from (``--set``, a sweep file's ``[overrides]``, ...) in error messages.
    """
    parts = path.split(".")
    node: object = raw
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, path, depth, create=True, source=source)
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, path, len(parts) - 1, source)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ConfigError(source, [Problem(path, value, f"{'.'.join(parts[:-1])} is not a table")])


def get_dotted(raw: dict, path: str) -> object:
    """Value at a dotted path of a raw config dict (KeyError if absent)."""
    node: object = raw
    for depth, part in enumerate(path.split(".")):
        node = _child(node, part, path, depth, create=False, source="--set")
    return node


def _index(node: list, part: str, path: str, depth: int, source: str) -> int:
    prefix = ".".join(path.split(".")[:depth]) or "(root)"
    entries = f"{len(node)} {'entry' if len(node) == 1 else 'entries'}"
    try:
        index = int(part)
        node[index]
    except ValueError:
        why = f"{part!r} is not a list index: {prefix} is a list of {entries}"
        raise ConfigError(source, [Problem(path, None, why)]) from None
    except IndexError:
        why = f"list index {part} out of range: {prefix} has {entries} (0..{len(node) - 1})"
        raise ConfigError(source, [Problem(path, None, why)]) from None
    return index


def _child(node: object, part: str, path: str, depth: int, create: bool, source: str) -> object:
    if isinstance(node, list):
        return node[_index(node, part, path, depth, source)]
    if isinstance(node, dict):
        if part not in node:
            if not create:
                raise KeyError(path)
            node[part] = {}
        return node[part]
    prefix = ".".join(path.split(".")[:depth])
    raise ConfigError(source, [Problem(path, None, f"{prefix} holds a value, not a table")])
