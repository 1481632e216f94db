"""Load a TOML file into frozen dataclasses, strictly.

A kiosk runs unattended: a typo in its configuration must stop start-up with
one message that names the file, the key and what was expected, never a
traceback and never a silently ignored key.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args, get_origin, get_type_hints

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


class ConfigError(Exception):
    """A configuration problem, worded for the operator who must fix it."""

    def __init__(self, path: Path | str, key: str, problem: str):
        self.path = str(path)
        self.key = key
        self.problem = problem
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        super().__init__(where + problem)


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (list, tuple):
        (inner, *_) = get_args(tp) or (Any,)
        return f"a list of {_type_name(inner)}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp) if a is not type(None))
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _convert(value: Any, tp: Any, path: Path, key: str) -> Any:
    origin = get_origin(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(path, key, f"expected a table [{key}], got {value!r}")
        return _build(tp, value, path, key)
    if origin is Literal:
        if value not in get_args(tp):
            raise ConfigError(path, key, f"expected {_type_name(tp)}, got {value!r}")
        return value
    if tp is dict or origin is dict:  # a table of names to strings (template ids by message kind)
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(path, key, f"expected a table of strings [{key}], got {value!r}")
        return dict(value)
    if origin in (list, tuple):
        (inner, *_) = get_args(tp) or (Any,)
        if not isinstance(value, list):
            raise ConfigError(path, key, f"expected {_type_name(tp)}, got {value!r}")
        return tuple(_convert(v, inner, path, f"{key}[{i}]") for i, v in enumerate(value))
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in get_args(tp):
            return None
        for alt in get_args(tp):
            if alt is type(None):
                continue
            try:
                return _convert(value, alt, path, key)
            except ConfigError:
                continue
        raise ConfigError(path, key, f"expected {_type_name(tp)}, got {value!r}")
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (str, int, float, bool):
        if type(value) is not tp:
            raise ConfigError(path, key, f"expected {_type_name(tp)}, got {value!r}")
        return value
    if tp is Any:
        return value
    raise TypeError(f"unsupported config type {tp!r} for {key}")


def _build(cls: type[T], table: dict, path: Path, prefix: str = "") -> T:
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.metadata.get("config", True)}
    for name in table:
        if name not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(path, _join(prefix, name), f"unknown key (known keys here: {known})")
    kwargs = {}
    for name, field in fields.items():
        key = _join(prefix, name)
        if name in table:
            kwargs[name] = _convert(table[name], hints[name], path, key)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError(path, key, f"missing; expected {_type_name(hints[name])}")
    obj = cls(**kwargs)
    check = getattr(obj, "validate", None)
    if check is not None:
        problem = check()
        if problem:
            bad_key, message = problem
            raise ConfigError(path, _join(prefix, bad_key), message)
    return obj


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


BUILT_IN = "built-in defaults"


def load_toml(cls: type[T], path: Path | str | None, env_overrides: dict[str, str] | None = None) -> T:
    """Read `path` into `cls` (`None`: no file, every key at its default).
    `env_overrides` maps dotted keys to environment variable names; a set
    variable wins over the file (for containers and systemd drop-ins)."""
    data: dict[str, Any] = {}
    where = Path(path) if path is not None else Path(BUILT_IN)
    if path is not None:
        try:
            raw = where.read_bytes()
        except FileNotFoundError:
            raise ConfigError(where, "", "file not found; pass --config PATH or create it from config/") from None
        except OSError as exc:
            raise ConfigError(where, "", f"cannot read the file ({exc.strerror})") from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(where, "", "not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(where, "", f"not valid TOML ({exc})") from None
    for dotted, var in (env_overrides or {}).items():
        if var in os.environ:
            _apply_override(data, dotted, os.environ[var], cls, where, var)
    return _build(cls, data, where)


def config_path(named: Path | str | None, env_var: str, system_path: str) -> Path | None:
    """The file to read: the one named by --config or `env_var` (it must
    exist), else `system_path` if it exists, else None for the built-in defaults."""
    chosen = named or os.environ.get(env_var)
    if chosen:
        return Path(chosen)
    return Path(system_path) if Path(system_path).exists() else None


def default_data_dir(system_dir: str, name: str) -> Path:
    """`system_dir` (e.g. /var/lib/kiosk) where this user may create or write it,
    as root or the service user can; otherwise the user's XDG data directory."""
    system = Path(system_dir)
    existing = next(p for p in (system, *system.parents) if p.exists())
    if os.access(existing, os.W_OK | os.X_OK):
        return system
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / name


def _apply_override(data: dict, dotted: str, raw: str, cls: type, path: Path, var: str) -> None:
    *tables, leaf = dotted.split(".")
    target_cls = cls
    node = data
    for name in tables:
        node = node.setdefault(name, {})
        target_cls = get_type_hints(target_cls)[name]
    tp = get_type_hints(target_cls)[leaf]
    if tp is bool:
        if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise ConfigError(f"environment {var}", dotted, f"expected true or false, got {raw!r}")
        node[leaf] = raw.lower() in ("1", "true", "yes")
    elif tp is int:
        try:
            node[leaf] = int(raw)
        except ValueError:
            raise ConfigError(f"environment {var}", dotted, f"expected an integer, got {raw!r}") from None
    else:
        node[leaf] = raw
