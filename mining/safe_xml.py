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
    """Open ``path`` for binary reading, decompressing gzip transparently; a pipe or a device
    is refused (reading it could never end)."""
    if not path.is_file():
        raise EventLogError(f"{path}: not a regular file (a pipe, a device or a folder)")
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


MAX_WHOLE_FILE = 1 << 30  # 1 GiB: readers that need a whole document in memory read no more
MAX_RATIO = 200  # a real export compresses 5-20 times; a bomb thousands of times


def read_bounded(path: Path, limit: int = MAX_WHOLE_FILE) -> bytes:
    """The (gunzipped) bytes of ``path``, read in chunks and refused past ``limit`` bytes, or
    past ``MAX_RATIO`` times the file's size once over 64 MiB (a compression bomb: a 10 MB
    file that would expand to gigabytes), before memory runs out."""
    compressed = path.stat().st_size
    chunks, total = [], 0
    with open_maybe_gzip(path) as handle:
        while chunk := handle.read(1 << 20):
            total += len(chunk)
            if total > limit:
                raise EventLogError(
                    f"{path}: more than {limit >> 20:,} MiB to read as one document; export it "
                    "as JSON lines or CSV, which are read in a stream"
                )
            if total > 64 << 20 and total > MAX_RATIO * compressed:
                raise UnsafeFileError(
                    f"{path}: refused: it expands to more than {MAX_RATIO} times its size "
                    "(a compression bomb, or not an export)"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def check_no_dtd(path: Path) -> None:
    """Refuse a file whose first 64 KiB declare a DTD or entities (the quick check, before
    parsing; the parser's own view of the prolog, in any encoding, is checked as it starts)."""
    with open_maybe_gzip(path) as handle:
        head = handle.read(_PROLOG_BYTES)
    if _DOCTYPE.search(head):
        raise _refusal(path)


def check_prolog(path: Path) -> None:
    """Refuse a DTD anywhere in the prolog, in any encoding, reading no further than the root
    element's start: for files another library parses afterwards (pm4py's OCEL, PNML and
    BPMN readers)."""
    for _ in iterparse(path, ("start",)):
        break


def _refusal(path: Path) -> UnsafeFileError:
    return UnsafeFileError(
        f"{path}: refused: the XML declares a DTD or entities (<!DOCTYPE …>). Event logs and "
        "process models never need one, and DTDs allow entity-expansion bombs and "
        "external-entity reads of local files."
    )


def _check_parsed_prolog(path: Path, element: etree._Element) -> None:
    """Refuse a DTD the parser met before the root element: one the quick check missed (after
    64 KiB of comments, or in UTF-16), before any of the file's content is read."""
    info = element.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise _refusal(path)


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
        wanted = tuple(dict.fromkeys(("start", *events)))
        parser = etree.iterparse(handle, events=wanted, **_parser_options())
        first = True
        for event, element in parser:
            if first:  # the root element's start: the whole prolog has been read
                _check_parsed_prolog(path, element)
                first = False
            if event in events:
                yield event, element
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
            tree = etree.parse(handle, parser)
        except etree.XMLSyntaxError as exc:
            raise EventLogError(f"{path}: not well-formed XML: {exc}") from exc
    _check_parsed_prolog(path, tree.getroot())
    return tree


def localname(tag: str) -> str:
    """Tag name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
