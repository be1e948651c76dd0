"""Reading one YAML (or front-matter Markdown) file into plain data that remembers its lines.

Speed matters (a book can hold 100,000 files), so parsing uses libyaml's C parser when it
is there; construction stays in Python so that every mapping records the line of each key.
Floats are never made: a YAML number with a fraction becomes a `Decimal` built from the
text exactly as written, so `12.10` stays `12.10`. A timestamp that is not a real date
(`2026-02-30`) stays text, for the checker to report with its line.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from casebook.book.errors import Problem

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 50
MAX_ALIASES = 20


class Mapping(dict):
    """A dict that knows the 1-based line of itself and of each of its keys."""

    __slots__ = ("line", "lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 1
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class Sequence(list):
    """A list that knows the 1-based line of each item."""

    __slots__ = ("line", "lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 1
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class NotADate(str):
    """Text that looked like a date but is not one (`2026-02-30`)."""


class BadNumber(str):
    """A number YAML accepts but money never can (`.inf`, `.nan`)."""


_TAGS: dict[str, str] = {}
_TAGS_KEPT = 50_000


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    # libyaml's composer asks Python for the tag of every node: a plain scalar's tag
    # depends on its text alone (no path resolvers are registered), and the same few texts
    # (keys, dates, stages) come back in every file.
    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return self.DEFAULT_SCALAR_TAG
            found = _TAGS.get(value)
            if found is None:
                found = super().resolve(kind, value, implicit)
                if len(_TAGS) >= _TAGS_KEPT:
                    _TAGS.clear()
                _TAGS[value] = found
            return found
        return self.DEFAULT_MAPPING_TAG if kind is yaml.MappingNode else self.DEFAULT_SEQUENCE_TAG

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            # An alias: cheap to build, but a few of them can stand for billions of values
            # to anyone who walks the data; a case file never needs many.
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_ALIASES} YAML aliases: refused", node.start_mark
                )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.constructor.ConstructorError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", node.start_mark
                )
            return super().construct_object(node, deep=True)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    _expect(node, yaml.MappingNode, "a mapping")
    data = Mapping()
    data.line = node.start_mark.line + 1
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, "a key cannot be a list or a mapping",
                key_node.start_mark,
            ) from None
        if key in data.lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {data.lines[key]})",
                key_node.start_mark,
            )
        data[key] = loader.construct_object(value_node)
        data.lines[key] = key_node.start_mark.line + 1
    return data


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Sequence:
    _expect(node, yaml.SequenceNode, "a list")
    data = Sequence()
    data.line = node.start_mark.line + 1
    for child in node.value:
        data.append(loader.construct_object(child))
        data.lines.append(child.start_mark.line + 1)
    return data


def _expect(node: yaml.Node, kind: type, what: str) -> None:
    # `!!omap [...]` or `!!seq text`: PyYAML would fail with a TypeError, not a YAML error
    if not isinstance(node, kind):
        raise yaml.constructor.ConstructorError(
            None, None, f"the YAML tag {node.tag!r} needs {what} here", node.start_mark)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Decimal | BadNumber:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return BadNumber(text)
    return value if value.is_finite() else BadNumber(text)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return NotADate(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:omap", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _refuse(loader: _Loader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"the YAML tag {node.tag!r} is not allowed here", node.start_mark
    )


_Loader.add_constructor(None, _refuse)
assert not _Loader.yaml_path_resolvers, "resolve() assumes no path resolvers"

_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"
_SCALARS = {tag: _Loader.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")}
_ScalarNode, _MappingNode, _SequenceNode = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
_FLATTENED = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _build(loader: _Loader, node: yaml.Node, offset: int, depth: int = 1) -> Any:
    """What `loader.construct_object(node)` makes, with lines moved by `offset`, for the
    nodes case files are made of (plain mappings, lists and scalars), called directly:
    PyYAML's generic construction was most of the time of reading a file. Any other node
    (another tag, a merge key) is handed to the loader itself."""
    if depth > MAX_DEPTH:
        raise yaml.constructor.ConstructorError(
            None, None, f"nested more than {MAX_DEPTH} levels deep", node.start_mark)
    kind = type(node)
    if kind is _ScalarNode:
        tag = node.tag
        if tag == _STR:
            return node.value
        make = _SCALARS.get(tag)
        if make is not None:
            return make(loader, node)
    elif node.tag not in (_MAP, _SEQ) or (kind is _MappingNode and any(
            k.tag in _FLATTENED for k, _ in node.value)):
        pass  # PyYAML's flatten_mapping rewrites these keys first
    else:
        built = loader.constructed_objects
        if node in built:
            return loader.construct_object(node)  # an alias: counted and refused there
        if node in loader.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "found unconstructable recursive node", node.start_mark)
        loader.recursive_objects[node] = None
        if kind is _MappingNode:
            data: Any = Mapping()
            data.line = node.start_mark.line + offset
            lines = data.lines
            for key_node, value_node in node.value:
                key = _build(loader, key_node, offset, depth + 1)
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping", node.start_mark,
                        "a key cannot be a list or a mapping", key_node.start_mark,
                    ) from None
                if key in lines:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} appears twice (first on line {lines[key]})",
                        key_node.start_mark,
                    )
                data[key] = _build(loader, value_node, offset, depth + 1)
                lines[key] = key_node.start_mark.line + offset
        else:
            data = Sequence()
            data.line = node.start_mark.line + offset
            for child in node.value:
                data.append(_build(loader, child, offset, depth + 1))
                data.lines.append(child.start_mark.line + offset)
        built[node] = data
        del loader.recursive_objects[node]
        return data
    loader._depth = depth - 1
    value = loader.construct_object(node)
    if offset != 1:
        _shift(value, offset - 1)
    return value


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes -> text, refusing what a hand-edited UTF-8 file should never be."""
    if not raw.strip():
        return None, [Problem(path, 1, "the file is empty")]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [
            Problem(path, line, "the file is not UTF-8 text (save it as UTF-8 in your editor)")
        ]
    if "\x00" in text:
        return None, [Problem(path, text[: text.index("\x00")].count("\n") + 1, "the file holds a NUL byte")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def parse(text: str, path: str, *, first_line: int = 1) -> tuple[Any, list[Problem]]:
    """YAML text -> data (Mapping/Sequence/scalars) or a problem with its line."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = None if node is None else _build(loader, node, first_line)
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        return None, [syntax_problem(error, text, path, first_line=first_line)]
    except RecursionError:
        return None, [Problem(path, first_line, "YAML nested too deeply")]
    return data, []


def syntax_problem(error: yaml.YAMLError, text: str, path: str, *, first_line: int = 1) -> Problem:
    """A YAML error as one problem on one line: the line YAML stopped at, and its message
    (or, when that line is indented with a tab, which column holds the tab)."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return Problem(path, first_line, f"YAML syntax error: {error}")
    mark = error.problem_mark or error.context_mark
    line = (mark.line + first_line) if mark is not None else first_line
    tab = _indent_tab(text, mark.line) if mark is not None else None
    if tab is not None:
        return Problem(path, line, f"tab character at column {tab}: indent with spaces")
    message = error.problem or error.context or "not valid YAML"
    return Problem(path, line, f"YAML syntax error: {message}")


def _indent_tab(text: str, index: int) -> int | None:
    """The 1-based column of a tab in the indentation of line `index` (0-based), if any.

    YAML forbids tabs for indentation, and its messages for them ("found character that
    cannot start any token") do not say so; an editor that inserts tabs is the usual cause.
    """
    lines = text.split("\n")
    if not 0 <= index < len(lines):
        return None
    line = lines[index]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return indent.index("\t") + 1 if "\t" in indent else None


def _shift(data: Any, offset: int) -> None:
    if isinstance(data, Mapping):
        data.line += offset
        for key in data.lines:
            data.lines[key] += offset
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, Sequence):
        data.line += offset
        data.lines = [n + offset for n in data.lines]
        for value in data:
            _shift(value, offset)


def read_yaml(raw: bytes, path: str) -> tuple[Any, list[Problem]]:
    text, problems = decode(raw, path)
    if text is None:
        return None, problems
    return parse(text, path)


def read_front_matter(raw: bytes, path: str) -> tuple[Any, str, list[Problem]]:
    """A Markdown note: (front matter data, body, problems)."""
    text, problems = decode(raw, path)
    if text is None:
        return None, "", problems
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, [
            Problem(path, 1, "a note starts with front matter: a line `---`, YAML keys, a line `---`")
        ]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        return None, text, [Problem(path, 1, "the front matter is not closed by a line `---`")]
    head = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :]).strip("\n")
    if not head.strip():
        return None, body, [Problem(path, 2, "the front matter is empty")]
    data, problems = parse(head, path, first_line=2)
    return data, body, problems


def is_date(value: Any) -> bool:
    return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
