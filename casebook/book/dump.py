"""Turning values into the book's files: one place for how casebook writes YAML.

Amounts are written as quoted strings with two decimals ("1210.00") so that no editor or
YAML reader ever sees a float; dates as ISO dates. Keys keep the order given.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePosixPath
from typing import Any, Iterable, Mapping

import yaml

CENT = Decimal("0.01")
_SLUG_RE = re.compile(r"[^a-z0-9]+")


def cents(amount: Decimal) -> Decimal:
    """Round half-up to cents: the edge where amounts meet people."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> str:
    return str(cents(amount))


class _Dumper(yaml.SafeDumper):
    pass


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", money(value), style='"')


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=_style(value))


def _style(value: str) -> str | None:
    """Text with line breaks as a literal block (`|-`), where that reads back exactly.

    Double quotes (with escapes) instead for text that ends in a line break: its block (`|`,
    `|+`) would need the document's last line break, which front matter loses, and `|+` ends
    the document with a `...` line. And for text with a NEL (U+0085): PyYAML writes it
    unescaped in single-quoted and block scalars, where readers take it for a line break.
    """
    if "\x85" in value or value.endswith("\n"):
        return '"'
    return "|" if "\n" in value else None


class _QuotedDumper(_Dumper):
    """Every string double-quoted on one line: no line of the text is `---` or `...`."""


def _represent_quoted(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')


def _represent_date(dumper: yaml.SafeDumper, value: date) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(date, _represent_date)
_Dumper.add_representer(
    datetime,
    lambda d, v: d.represent_scalar("tag:yaml.org,2002:timestamp", v.isoformat(timespec="seconds")),
)
_QuotedDumper.add_representer(str, _represent_quoted)


def to_yaml(mapping: Mapping[str, Any]) -> bytes:
    """A mapping as a YAML document; None values and empty strings/lists are left out."""
    clean = _clean(mapping)
    fast = _plain_document(clean)
    if fast is not None:
        return fast
    return _emit(clean, _Dumper, 100)


def _clean(mapping: Mapping[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in mapping.items() if v is not None and v != "" and v != [] and v != ()}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in clean.items()}


def _emit(clean: Mapping[str, Any], dumper: type[yaml.SafeDumper], width: float) -> bytes:
    text = yaml.dump(
        clean, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
        width=width,
    )
    return text.encode("utf-8")


# Records casebook writes by the thousand (an action per case in `advance`) hold only short
# words, dates and amounts; PyYAML's emitter took longer than the rest of the record's work.
# `_plain_document` writes exactly what `yaml.dump` above writes for such mappings and
# declines (None) anything else; tests compare the two.
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_RESOLVER = yaml.resolver.Resolver()
_PLAIN: dict[str, bool] = {}


def _plain_word(value: str) -> bool:
    """Written as is, unquoted: a short word that YAML reads back as this very string."""
    known = _PLAIN.get(value)
    if known is None:
        known = bool(_WORD.fullmatch(value)) and _RESOLVER.resolve(
            yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"
        if len(_PLAIN) < 10_000:
            _PLAIN[value] = known
    return known


def _plain_scalar(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return value if _plain_word(value) else None
    if kind is date:
        return value.isoformat()
    if kind is Decimal:
        return f'"{money(value)}"'
    return None


def _plain_document(mapping: Mapping[str, Any]) -> bytes | None:
    lines: list[str] = []
    for key, value in mapping.items():
        if type(key) is not str or not _plain_word(key):
            return None
        if type(value) is list:
            lines.append(f"{key}:")
            for item in value:
                text = _plain_scalar(item)
                if text is None:
                    return None
                lines.append(f"- {text}")
        else:
            text = _plain_scalar(value)
            if text is None:
                return None
            lines.append(f"{key}: {text}")
    if not lines:
        return None
    return ("\n".join(lines) + "\n").encode("utf-8")


def front_matter(mapping: Mapping[str, Any], body: str) -> bytes:
    """A Markdown note: YAML front matter between `---` lines, then the body."""
    head = to_yaml(mapping).decode("utf-8")
    if any(line.strip() in ("---", "...") for line in head.split("\n")):
        # Readers end the front matter at such a line (a text's own `---`, or a long text
        # folded before its last word `---`): write every string quoted on one line instead.
        head = _emit(_clean(mapping), _QuotedDumper, float("inf")).decode("utf-8")
    body = body.strip("\n")
    return f"---\n{head}---\n\n{body}\n".encode("utf-8")


def slug(text: str, *, fallback: str = "item") -> str:
    """A safe file or folder name made of a-z, 0-9 and dashes."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = _SLUG_RE.sub("-", ascii_text.lower()).strip("-")
    return cleaned[:60].strip("-") or fallback


def free_name(existing: Iterable[str], stem: str, suffix: str) -> str:
    """`stem + suffix`, or `stem-2 + suffix`, ... : the first name not in `existing`."""
    taken = {PurePosixPath(name).name for name in existing}
    candidate = f"{stem}{suffix}"
    n = 2
    while candidate in taken:
        candidate = f"{stem}-{n}{suffix}"
        n += 1
    return candidate


def payment_file(
    *,
    when: date,
    amount: Decimal,
    invoice: str | None = None,
    reference: str = "",
    origin: str = "",
) -> bytes:
    """The content of `cases/<id>/payments/<name>.yaml`."""
    return to_yaml(
        {"date": when, "amount": amount, "invoice": invoice, "reference": reference, "source": origin}
    )


def invoice_file(
    *,
    number: str,
    issued: date,
    due: date,
    amount: Decimal,
    currency: str = "EUR",
    description: str = "",
    reference: str = "",
    attachment: str = "",
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """The content of `cases/<id>/invoices/<name>.yaml`."""
    return to_yaml(
        {
            "number": number,
            "issued": issued,
            "due": due,
            "amount": amount,
            "currency": currency,
            "description": description,
            "reference": reference,
            "attachment": attachment,
            **(extra or {}),
        }
    )
