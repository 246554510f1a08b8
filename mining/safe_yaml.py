"""Bounded YAML and JSON reading for the files users hand to Mejora (workflows, KPI settings,
thresholds, vocabularies): no aliases, a nesting limit, a size limit.

``yaml.safe_load`` builds no objects, but it expands aliases: a 4 KB file of anchors that each
repeat the one before ("billion laughs") grows to gigabytes once expanded, and deep nesting ends
in a ``RecursionError``. No setting file needs an alias, so an alias is refused where it stands;
nesting and size are capped, and every refusal is a ``yaml.YAMLError`` (or ``ValueError`` for
JSON) that names the line, so callers report it as a bad file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

MAX_DEPTH = 64  # no workflow or settings file nests deeper than a dozen levels
MAX_BYTES = 8 << 20  # 8 MiB: a 10,000-node workflow is about 2 MiB


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses aliases and nesting deeper than ``MAX_DEPTH``."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None,
                None,
                f"the alias *{event.anchor} is not accepted (aliases can expand a small file "
                "into gigabytes): write the value out",
                event.start_mark,
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read_settings_text(path: Path) -> str:
    """The text of a workflow or settings file: a regular file (a pipe or a device would never
    end) of at most ``MAX_BYTES``, checked before it is read; ``FileNotFoundError`` when absent.

    Example:
        >>> read_settings_text(Path("settings.yaml"))                    # doctest: +SKIP
    """
    if path.exists() and not path.is_file():
        raise ValueError(f"{path}: not a regular file (a pipe, a device or a folder)")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"{path}: {_too_big(size)}")
    return path.read_text(encoding="utf-8")


def load_file(path: Path) -> Any:
    """Plain data from a workflow or settings file, JSON or YAML by its suffix: the checks of
    :func:`read_settings_text`, then :func:`load_text`.

    Example:
        >>> load_file(Path("thresholds.yaml"))                            # doctest: +SKIP
    """
    return load_text(read_settings_text(path), path)


def load_yaml(text: str, source: str = "<yaml>") -> Any:
    """Plain data from YAML ``text`` (read from ``source``, named in errors): as
    ``yaml.safe_load``, but aliases and nesting deeper than ``MAX_DEPTH`` raise
    ``yaml.YAMLError``, text over ``MAX_BYTES`` a ``ValueError``.

    Example:
        >>> load_yaml("a: [1, 2]")
        {'a': [1, 2]}
    """
    _check_size(text)
    loader = _BoundedLoader(text)
    loader.name = source
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_json(text: str) -> Any:
    """Plain data from JSON ``text``; nesting that would exhaust Python's stack and text over
    ``MAX_BYTES`` raise ``ValueError`` (``json.JSONDecodeError`` for malformed JSON).

    Example:
        >>> load_json('{"a": [1, 2]}')
        {'a': [1, 2]}
    """
    _check_size(text)
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ValueError("nested too deeply to read") from exc


def load_text(text: str, path: Path) -> Any:
    """``load_json`` or ``load_yaml`` on the text of ``path``, by its suffix (``.json``, any
    case, is JSON); errors name the file."""
    return load_json(text) if path.suffix.lower() == ".json" else load_yaml(text, path.name)


def _too_big(size: int) -> str:
    return (
        f"{size / (1 << 20):,.1f} MiB is more than a settings or workflow file holds "
        f"(at most {MAX_BYTES >> 20} MiB)"
    )


def _check_size(text: str) -> None:
    if len(text) > MAX_BYTES:
        raise ValueError(_too_big(len(text)))
