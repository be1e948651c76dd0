"""Reading untrusted XML (bank statements, e-invoices) safely, by local element names.

Everything goes through defusedxml: a file that declares entities (the "billion laughs"
expansion bomb, external entities that would read local files or URLs) is refused before
anything is expanded. A malformed or truncated file is refused with the line and column
where the parser stopped. Namespaces are ignored when navigating, so camt.053 versions
.001.02 to .001.13 read alike.
"""

from __future__ import annotations

import re
from typing import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from .records import ImportProblem

_ENTITY_RE = re.compile(rb"<!ENTITY")


def parse(data: bytes, *, file: str) -> Element:
    """The root element of `data`, or an `ImportProblem` that says what is wrong and where."""
    if not data.strip():
        raise ImportProblem(file, "the file is empty")
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as error:
        line = _line_of(data, _ENTITY_RE)
        if error.sysid or error.pubid:
            raise ImportProblem(
                file,
                f"external entity {error.name!r} ({error.sysid or error.pubid}) refused: "
                "casebook never lets an XML file point at other files or URLs",
                line=line,
            ) from None
        raise ImportProblem(
            file,
            f"entity declaration {error.name!r} refused: casebook never expands XML entities "
            "(protection against entity-expansion bombs such as 'billion laughs')",
            line=line,
        ) from None
    except ExternalReferenceForbidden as error:
        raise ImportProblem(
            file, f"external reference {error.sysid or error.pubid!r} refused"
        ) from None
    except DTDForbidden:  # pragma: no cover - DTDs are allowed, their entities are not
        raise ImportProblem(file, "document type declarations are refused") from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        reason = str(error).split(":")[0]
        raise ImportProblem(
            file,
            f"the XML is malformed or truncated: {reason} (line {line}, column {column + 1})",
            line=line,
            column=column + 1,
        ) from None
    except LookupError as error:  # the declaration names an encoding Python does not know
        raise ImportProblem(file, f"the XML declares an unknown encoding ({error})") from None
    except ValueError as error:
        raise ImportProblem(file, f"the XML cannot be read: {error}") from None


def _line_of(data: bytes, pattern: re.Pattern[bytes]) -> int:
    found = pattern.search(data)
    return data.count(b"\n", 0, found.start()) + 1 if found else 0


def local(element: Element) -> str:
    """The tag without its namespace."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(element: Element) -> str:
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element: Element | None, name: str) -> Iterator[Element]:
    """Direct children with local name `name`."""
    if element is None:
        return
    for child in element:
        if local(child) == name:
            yield child


def child(element: Element | None, *path: str) -> Element | None:
    """The first element down `path` (local names), or None."""
    for name in path:
        if element is None:
            return None
        element = next(children(element, name), None)
    return element


def text(element: Element | None, *path: str) -> str:
    """The stripped text down `path`, or an empty string."""
    found = child(element, *path)
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def texts(element: Element | None, *path: str) -> list[str]:
    """The stripped texts of every element matching the last name of `path`."""
    if not path:
        return []
    parent = child(element, *path[:-1]) if len(path) > 1 else element
    return [c.text.strip() for c in children(parent, path[-1]) if c.text and c.text.strip()]
