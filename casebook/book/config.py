"""The book's configuration: `casebook.yaml` -> `Settings`, `policies/*.yaml` -> `Policy`.

Read once per load and never cached (a handful of files); separate from the case folders,
which are many and cached.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from casebook.book.errors import Problem
from casebook.book.fields import Reader
from casebook.book.fsutil import read_inside
from casebook.book.model import (
    Address,
    Channel,
    Charge,
    ContractTerms,
    Creditor,
    MailSettings,
    Operator,
    Pauses,
    Policy,
    Settings,
    Source,
    Stage,
)
from casebook.book.resources import shipped
from casebook.book.schema import FILE_TYPES
from casebook.book.yamlfile import read_yaml

SETTINGS_FILE = "casebook.yaml"


def read_settings(root: Path, problems: list[Problem]) -> Settings:
    rel = SETTINGS_FILE
    try:
        raw = read_inside(root, rel)
    except FileNotFoundError:
        problems.append(Problem(rel, 1, "the book has no casebook.yaml"))
        return Settings(creditor=Creditor(name="?"))
    except OSError as error:
        problems.append(Problem(rel, 1, f"cannot read the file: {error.strerror}"))
        return Settings(creditor=Creditor(name="?"))
    data, found = read_yaml(raw, rel)
    problems += found
    reader = Reader(rel, problems)
    v = reader.read(data, FILE_TYPES["settings"]) if not found else None
    if v is None:
        return Settings(creditor=Creditor(name="?"))
    creditor = v.get("creditor", {})
    source = Source(rel, 1, tuple(data.lines.items()))
    if "timezone" in v and not _known_zone(v["timezone"]):
        reader.problem(data.line_of("timezone"), f"`timezone`: {v['timezone']!r} is not a known "
                       "time zone (like Europe/Brussels or Europe/Amsterdam)")
    return Settings(
        creditor=Creditor(
            name=creditor.get("name", "?"),
            address=Address(**creditor.get("address", {})),
            vat=creditor.get("vat", ""),
            iban=creditor.get("iban", ""),
            bic=creditor.get("bic", ""),
            email=creditor.get("email", ""),
            phone=creditor.get("phone", ""),
        ),
        jurisdiction=v.get("jurisdiction", "BE"),
        currency=v.get("currency", "EUR"),
        language=v.get("language", "nl"),
        default_policy=v.get("default_policy", "standard"),
        timezone=v.get("timezone", "Europe/Brussels"),
        # An empty name or email (the form of a new book) is not set: git refuses an empty one.
        operator=Operator(**{k: x for k, x in v.get("operator", {}).items() if x.strip()}),
        mail=MailSettings(**v["mail"]) if "mail" in v else MailSettings(),
        contract=ContractTerms(**v["contract"]) if "contract" in v else ContractTerms(),
        postage=v.get("postage", Decimal("0.00")),
        site=dict(v.get("site", {})),
        insight=dict(v.get("insight", {})),
        letters=dict(v.get("letters", {})),
        source=source,
    )


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def policy_folder(root: Path) -> Path:
    """The book's policies, or the shipped ones when the book has none of its own."""
    own = root / "policies"
    return own if own.is_dir() else shipped("policies")


def read_policies(root: Path, problems: list[Problem]) -> dict[str, Policy]:
    folder = policy_folder(root)
    base = root if folder == root / "policies" else folder.parent
    policies: dict[str, Policy] = {}
    for path in sorted(folder.glob("*.yaml")):
        rel = path.relative_to(base).as_posix()
        try:
            raw = read_inside(base, rel)
        except OSError as error:
            problems.append(Problem(rel, 1, f"cannot read the file: {error.strerror}"))
            continue
        data, found = read_yaml(raw, rel)
        problems += found
        if found:
            continue
        reader = Reader(rel, problems)
        v = reader.read(data, FILE_TYPES["policy"])
        if v is None:
            continue
        name = v.get("name", path.stem)
        if name != path.stem:
            reader.problem(data.line_of("name"), f"policy `name` {name!r} differs from the file name {path.stem!r}")
        stages = tuple(_stage(at, s, rel, reader) for at, s in v.get("stages", []))
        pauses = v.get("pauses", {})
        policies[path.stem] = Policy(
            name=path.stem,
            stages=tuple(s for s in stages if s is not None),
            description=v.get("description", ""),
            pauses=Pauses(**pauses),
            thank_you=v.get("thank_you", "thanks"),
            thank_you_channel=Channel(v.get("thank_you_channel", "email")),
            source=Source(rel, 1, tuple(data.lines.items())),
        )
    return policies


def _stage(line: int, v: dict, rel: str, reader: Reader) -> Stage | None:
    if not {"id", "channel"} <= v.keys():
        return None
    timing = [k for k in ("after_due", "after_previous") if k in v]
    if len(timing) != 1:
        reader.problem(line, f"stage {v['id']!r} needs exactly one of `after_due` or `after_previous`")
        return None
    charges = []
    for name in v.get("charges", ()):
        try:
            charges.append(Charge(name))
        except ValueError:
            reader.problem(line, f"stage {v['id']!r}: unknown charge {name!r} "
                                 f"(one of {', '.join(c.value for c in Charge)})")
    return Stage(
        id=v["id"],
        channel=Channel(v["channel"]),
        after_due=v.get("after_due"),
        after_previous=v.get("after_previous"),
        template=v.get("template", v["id"]),
        deadline_days=v.get("deadline_days", 0),
        charges=frozenset(charges),
        fee=v.get("fee", Decimal("0")),
        min_balance=v.get("min_balance", Decimal("0")),
        source=Source(rel, line),
    )
