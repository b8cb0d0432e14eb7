"""Reading config files: TOML parsing with clear errors, and ``extends = "base.toml"``; and
writing a resolved scenario back as TOML (:func:`scenario_toml`), so a saved run can be run again."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from lachin_sim.errors import ConfigError, Problem

# Deepest nesting of tables and lists a config may have. The schema needs about six levels
# (e.g. convoys.NAME.departures.0.date, plus a few for overrides in sweep and scenario files);
# far deeper input is a mistake and would exhaust Python's recursion limit downstream.
MAX_NESTING = 32


def read_config(path: str | os.PathLike, _seen: tuple[Path, ...] = ()) -> dict:
    """Raw TOML dict of a config, with ``extends = "base.toml"`` resolved.

    A config that extends another starts from the base (path relative to the config's folder)
    and deep-merges its own tables over it: tables merge key by key, values and lists replace.
    """
    path = Path(path)
    raw = read_toml(path)
    base_name = raw.pop("extends", None)
    if base_name is None:
        return raw
    if not isinstance(base_name, str):
        raise ConfigError(str(path), [Problem("extends", base_name, "must be a file path")])
    base_path = referenced_file(path, "extends", base_name, "base config").resolve()
    if base_path in _seen or base_path == path.resolve():
        raise ConfigError(
            str(path), [Problem("extends", base_name, "configs extend each other in a loop")]
        )
    return deep_merge(read_config(base_path, (*_seen, path.resolve())), raw)


def read_toml(path: str | os.PathLike) -> dict:
    """Parse a TOML file; any reason it cannot be read becomes a ConfigError naming the file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), [Problem("", None, "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError(str(path), [Problem("", None, "is a folder, not a TOML file")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), [Problem("", None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from None
    except OSError as exc:
        raise ConfigError(
            str(path), [Problem("", None, f"cannot be read: {exc.strerror}")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [Problem("", None, f"not valid TOML: {exc}")]) from None
    except RecursionError:
        raise ConfigError(str(path), [_too_deep()]) from None
    check_nesting(raw, str(path))
    return raw


def referenced_file(referrer: Path, field: str, value: str, what: str) -> Path:
    """The file a config names in ``field`` (relative to the config's folder), or a ConfigError
    naming the referring config, the field, the value and the path looked for."""
    target = referrer.parent / value
    if not target.is_file():
        found = "is a folder" if target.is_dir() else "not found"
        raise ConfigError(
            str(referrer), [Problem(field, value, f"{what} {found}: looked for {target}")]
        )
    return target


def check_nesting(obj: object, source: str, limit: int = MAX_NESTING) -> None:
    """Refuse tables and lists nested deeper than ``limit`` (checked without recursion)."""
    stack = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise ConfigError(source, [_too_deep(limit)])
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list | tuple):
            stack.extend((v, depth + 1) for v in node)


def _too_deep(limit: int = MAX_NESTING) -> Problem:
    return Problem("", None, f"tables or lists nested too deeply (at most {limit} levels)")


def deep_merge(base: dict, update: dict) -> dict:
    """``base`` with ``update`` laid over it: nested tables merge, everything else replaces.

    A table with a ``dist`` key is one value (a distribution, or an uncertain input): it replaces
    the base's whole, so that an exponential laid over a uniform is not left with its bounds."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def scenario_toml(scenario, seed: int | None = None, header: str = "") -> str:
    """The resolved ``scenario`` as a TOML config that validates back to an equal scenario.

    Every field is written, defaults included (a field left at ``None`` is omitted: ``None`` is
    its default); ``seed`` replaces the scenario's own (a run's seed, so the file reproduces
    that run); ``header`` lines are written as comments at the top."""
    import tomli_w

    data = scenario.model_dump(mode="python", exclude_none=True)
    if not data.get("uncertainty"):
        data.pop("uncertainty", None)  # no table rather than an empty one
    if seed is not None:
        data["seed"] = int(seed)
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comments + tomli_w.dumps(data)
