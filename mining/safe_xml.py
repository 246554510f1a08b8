"""Safe XML parsing for XES, OCEL xml, BPMN and PNML: no DTD, no entity expansion, no network.

Event logs and process models never need a DTD, so any ``<!DOCTYPE`` is refused before parsing;
the parser is also configured not to resolve entities, as a second line of defence.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from mining.exceptions import EventLogError, UnsafeFileError

_PROLOG_BYTES = 1 << 16
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def open_maybe_gzip(path: Path) -> IO[bytes]:
    """Open ``path`` for binary reading, decompressing gzip transparently."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def check_no_dtd(path: Path) -> None:
    """Refuse a file whose prolog declares a DTD or entities."""
    with open_maybe_gzip(path) as handle:
        head = handle.read(_PROLOG_BYTES)
    if _DOCTYPE.search(head):
        raise UnsafeFileError(
            f"{path}: refused: the XML declares a DTD or entities (<!DOCTYPE …>). Event logs and "
            "process models never need one, and DTDs allow entity-expansion bombs and "
            "external-entity reads of local files."
        )


def _parser_options() -> dict:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
        "remove_comments": True,
    }


def iterparse(path: Path, events: tuple[str, ...] = ("start", "end")) -> Iterator:
    """Stream ``(event, element)`` pairs from a (possibly gzipped) XML file, safely."""
    check_no_dtd(path)
    handle = open_maybe_gzip(path)
    try:
        yield from etree.iterparse(handle, events=events, **_parser_options())
    except etree.XMLSyntaxError as exc:
        raise EventLogError(f"{path}: not well-formed XML: {exc}") from exc
    finally:
        handle.close()


def parse(path: Path) -> etree._ElementTree:
    """Parse a whole (small) XML file safely, e.g. a BPMN or PNML model."""
    check_no_dtd(path)
    parser = etree.XMLParser(**_parser_options())
    with open_maybe_gzip(path) as handle:
        try:
            return etree.parse(handle, parser)
        except etree.XMLSyntaxError as exc:
            raise EventLogError(f"{path}: not well-formed XML: {exc}") from exc


def localname(tag: str) -> str:
    """Tag name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
