"""Reading one YAML mapping against a `Spec`: the key types and what each accepts.

`Reader.read(data, spec)` turns a parsed mapping into checked Python values (dates,
Decimals, tuples) and collects problems with their lines. Separate from `schema`, which
only declares the keys of each file type: the tables change with the book's formats, the
conversion rules here with what a single value may be, and other layers need those rules
(`SLUG_RE`, `EARLIEST`, `LATEST`) without the tables.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from casebook.book.errors import Problem
from casebook.book.yamlfile import BadNumber, Mapping, NotADate, Sequence


@dataclass(frozen=True)
class Key:
    """One key of a file: its type, whether it is required, and what it means."""

    name: str
    type: str
    """str, text, date, datetime, money, amount0, percent, int, bool, enum, strings,
    iban, ibans, vat, reference, slug, object, list."""
    required: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()
    spec: "Spec | None" = None
    """Keys of a nested mapping (object) or of each item (list)."""


@dataclass(frozen=True)
class Spec:
    title: str
    keys: tuple[Key, ...]
    doc: str = ""
    by_name: dict[str, Key] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {k.name: k for k in self.keys})


SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
_CENT_EXPONENT = -2


class Reader:
    """Reads one mapping against its spec, collecting problems with their lines."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def read(self, data: Any, spec: Spec, *, line: int = 1, what: str = "") -> dict[str, Any] | None:
        """The checked values of `data`, by key; None when `data` is not a mapping at all."""
        if not isinstance(data, Mapping):
            kind = "empty" if data is None else f"a {_kind(data)}"
            self.problem(
                getattr(data, "line", line),
                f"{what or spec.title} must be a mapping of `key: value` lines, not {kind}",
            )
            return None
        values: dict[str, Any] = {}
        for key, value in data.items():
            at = data.line_of(key)
            if not isinstance(key, str) or key not in spec.by_name:
                self.problem(at, _unknown_key(key, spec))
                continue
            checked = self.value(value, spec.by_name[key], line=at)
            if checked is not None:
                values[key] = checked
        for key in spec.keys:
            if key.required and key.name not in data:
                self.problem(data.line, f"missing required key `{key.name}`" + _in(what))
        return values

    def value(self, value: Any, key: Key, *, line: int) -> Any:
        """One checked value, or None (and a problem) when it is not acceptable."""
        if value is None:
            if key.required:
                self.problem(line, f"`{key.name}` is empty")
            return None
        check = _CHECKS[key.type]
        try:
            return check(self, value, key, line)
        except _Bad as bad:
            self.problem(line, f"`{key.name}`: {bad}")
            return None


class _Bad(Exception):
    pass


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, Sequence):
        return "list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, Decimal)):
        return "number"
    if isinstance(value, (date, datetime)):
        return "date"
    return "text"


def _unknown_key(key: Any, spec: Spec) -> str:
    if not isinstance(key, str):
        return f"unknown key {key!r} in {spec.title}"
    close = difflib.get_close_matches(key, list(spec.by_name), n=1, cutoff=0.6)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return f"unknown key `{key}` in {spec.title}{hint}"


def _in(what: str) -> str:
    return f" in {what}" if what else ""


# -- value checks ------------------------------------------------------------------------

def _text(r: Reader, v: Any, k: Key, line: int) -> str:
    if isinstance(v, bool) or not isinstance(v, (str, int, Decimal)):
        raise _Bad(f"expected text, found a {_kind(v)}")
    if isinstance(v, (int, Decimal)) and k.type == "str":
        return str(v)
    if not isinstance(v, str):
        raise _Bad(f"expected text, found a {_kind(v)}")
    return v


#: Dates a book may hold: wide enough for any claim, narrow enough that date arithmetic
#: (deadlines, grace periods, interest) never leaves Python's calendar (year 9999).
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def _date(r: Reader, v: Any, k: Key, line: int) -> date:
    found = _any_date(v, k)
    day = found.date() if isinstance(found, datetime) else found
    if not EARLIEST <= day <= LATEST:
        raise _Bad(f"{day.isoformat()} is not a realistic date "
                   f"(between {EARLIEST.year} and {LATEST.year})")
    return found


def _any_date(v: Any, k: Key) -> date:
    if isinstance(v, NotADate):
        raise _Bad(f"{v} is not a real date")
    if isinstance(v, datetime):
        if k.type == "datetime":
            return v
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise _Bad(f"{v!r} is not a date as YYYY-MM-DD")


def _decimal(v: Any) -> Decimal:
    if isinstance(v, bool) or isinstance(v, BadNumber):
        raise _Bad(f"{v!r} is not an amount")
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, Decimal):
        return v
    if isinstance(v, str):
        text = v.strip().replace("€", "").replace("EUR", "").strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return Decimal(text)
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d+|-?\d+,\d+", text):
            raise _Bad(f"{v!r}: write amounts with a decimal point, e.g. 1210.50")
    raise _Bad(f"{v!r} is not an amount")


def _money(r: Reader, v: Any, k: Key, line: int) -> Decimal:
    amount = _decimal(v)
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise _Bad(f"{v} is not a realistic amount")
    if k.type == "money" and amount <= 0:
        raise _Bad(f"{v} must be more than 0")
    if amount < 0:
        raise _Bad(f"{v} must not be negative")
    if amount.as_tuple().exponent < _CENT_EXPONENT:  # type: ignore[operator]
        raise _Bad(f"{v} has more than 2 decimals")
    return amount


def _percent(r: Reader, v: Any, k: Key, line: int) -> Decimal:
    value = _decimal(v)
    if not value.is_finite() or value < 0 or value > 100:
        raise _Bad(f"{v} is not a percentage between 0 and 100")
    return value


def _int(r: Reader, v: Any, k: Key, line: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Bad(f"expected a whole number, found {v!r}")
    if abs(v) > 100_000:
        raise _Bad(f"{v} is out of range")
    return v


def _bool(r: Reader, v: Any, k: Key, line: int) -> bool:
    if not isinstance(v, bool):
        raise _Bad(f"expected true or false, found {v!r}")
    return v


def _flag_or_text(r: Reader, v: Any, k: Key, line: int) -> bool | str:
    if isinstance(v, bool):
        return v
    return _text(r, v, k, line)


def _enum(r: Reader, v: Any, k: Key, line: int) -> str:
    text = _text(r, v, k, line)
    if text not in k.choices:
        close = difflib.get_close_matches(text, k.choices, n=1, cutoff=0.5)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        raise _Bad(f"{text!r} is not one of {', '.join(k.choices)}{hint}")
    return text


def _strings(r: Reader, v: Any, k: Key, line: int) -> tuple[str, ...]:
    items = [v] if not isinstance(v, Sequence) else list(v)
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise _Bad(f"expected text or a list of text, found a {_kind(item)}")
        out.append(str(item))
    return tuple(out)


def _iban(r: Reader, v: Any, k: Key, line: int) -> str:
    from stdnum import iban

    text = _text(r, v, k, line)
    if not text.strip():  # a form's empty field (`iban: ""`): not filled in yet
        return ""
    compact = iban.compact(text)
    # Mod-97 and length only: the national bank-code tables in stdnum lag behind real banks.
    if not iban.is_valid(compact, check_country=False):
        raise _Bad(f"{text!r} is not a valid IBAN (check digits or length)")
    return compact


def _ibans(r: Reader, v: Any, k: Key, line: int) -> tuple[str, ...]:
    return tuple(found for item in _strings(r, v, k, line) if (found := _iban(r, item, k, line)))


def _vat(r: Reader, v: Any, k: Key, line: int) -> str:
    from stdnum import vatin

    text = _text(r, v, k, line)
    compact = text.replace(" ", "").replace(".", "").replace("-", "").upper()
    if not compact:  # a form's empty field (`vat: ""`): not filled in yet
        return ""
    if compact[:2].isalpha():
        try:
            ok = vatin.is_valid(compact)
        except Exception:  # an unknown country prefix
            ok = False
        if not ok:
            raise _Bad(f"{text!r} is not a valid VAT number (check digits)")
    elif not compact.isdigit():
        raise _Bad(f"{text!r} is not a VAT number (start with the country code, e.g. BE)")
    return compact


def _reference(r: Reader, v: Any, k: Key, line: int) -> str:
    from stdnum import iso11649
    from stdnum.be import ogm_vcs

    text = _text(r, v, k, line).strip()
    compact = text.replace(" ", "")
    if compact.upper().startswith("RF"):
        if not iso11649.is_valid(compact):
            raise _Bad(f"{text!r} is not a valid RF creditor reference (check digits)")
        return iso11649.compact(compact)
    digits = re.sub(r"[+*/.\s]", "", compact)
    if not (len(digits) == 12 and digits.isdigit()):
        raise _Bad(
            f"{text!r} is neither a structured communication +++ddd/dddd/ddddd+++ "
            "nor an RF reference"
        )
    if not ogm_vcs.is_valid(digits):
        raise _Bad(f"{text!r} is not a valid structured communication (check digits)")
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def _slug(r: Reader, v: Any, k: Key, line: int) -> str:
    text = _text(r, v, k, line)
    if not SLUG_RE.match(text):
        raise _Bad(f"{text!r} is not a name of a-z, 0-9 and dashes")
    return text


def _object(r: Reader, v: Any, k: Key, line: int) -> dict[str, Any]:
    assert k.spec is not None
    values = r.read(v, k.spec, line=line, what=f"`{k.name}`")
    if values is None:
        raise _Silent()
    return values


def _list(r: Reader, v: Any, k: Key, line: int) -> list[tuple[int, dict[str, Any]]]:
    assert k.spec is not None
    if not isinstance(v, Sequence):
        raise _Bad(f"expected a list of {k.spec.title}, found a {_kind(v)}")
    items = []
    for index, item in enumerate(v):
        at = v.line_of(index)
        values = r.read(item, k.spec, line=at, what=f"item {index + 1} of `{k.name}`")
        if values is not None:
            items.append((at, values))
    return items


class _Silent(_Bad):
    """The nested reader already reported the problem."""


_CHECKS: dict[str, Callable[[Reader, Any, Key, int], Any]] = {
    "str": _text,
    "text": _text,
    "date": _date,
    "datetime": _date,
    "money": _money,
    "amount0": _money,
    "percent": _percent,
    "int": _int,
    "bool": _bool,
    "enum": _enum,
    "flag_or_text": _flag_or_text,
    "strings": _strings,
    "iban": _iban,
    "ibans": _ibans,
    "vat": _vat,
    "reference": _reference,
    "slug": _slug,
    "object": _object,
    "list": _list,
}


def _wrap_silent(check: Callable) -> Callable:
    def run(r: Reader, v: Any, k: Key, line: int) -> Any:
        try:
            return check(r, v, k, line)
        except _Silent:
            return None

    return run


_CHECKS = {name: _wrap_silent(check) for name, check in _CHECKS.items()}
