"""The handover to the agency as the book records it: one action, in one commit.

`_record_handover` writes `actions/<today>-handover.yaml` (`kind: handover`, the bundle's
name and SHA-256) and commits it; `_handed_over` recognises that record on a rerun (after a
crash, or the same command twice) so the export is not done again. Apart from the export
itself because this is the one step that changes the book, and it is the record
`casebook.export.verify` later checks the trail against.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casebook.book.dump import free_name, to_yaml
from casebook.book.model import ActionKind, Book, Case, Channel
from casebook.record.gitstore import Store
from casebook.record.history import CommitInfo

if TYPE_CHECKING:
    from casebook.export.bundle import ExportResult


def _handed_over(
    root: Path, last: CommitInfo, case_id: str, target: Path, today: date
) -> ExportResult | None:
    """The result of an earlier run, when the case's last commit is the handover of this
    very bundle (a rerun after a crash, or twice the same command): nothing to do again."""
    import yaml

    from casebook.export.bundle import ExportResult  # the result type lives with export_case

    added = [c for c in last.changes_in(case_id) if c.status == "A"]
    if len(added) != 1 or len(last.changes_in(case_id)) != 1:
        return None
    rel = added[0].path
    name = rel.rsplit("/", 1)[-1]
    if not (name.startswith(f"{today.isoformat()}-handover") and name.endswith(".yaml")):
        return None
    try:
        record = yaml.safe_load((root / rel).read_text(encoding="utf-8"))
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(record, dict) or record.get("bundle") != target.name or record.get("sha256") != digest:
        return None
    return ExportResult(
        bundle=target, sha256=digest, commits=0, withheld=(), tip="", source_head=last.parents[0]
        if last.parents else "", handover=last.sha, handover_file=rel, already=True,
    )


def _record_handover(
    store: Store,
    book: Book,
    case: Case,
    claim: dict[str, Any],
    result: ExportResult,
    *,
    today: date,
    when: datetime,
) -> tuple[str, str]:
    policy = book.policy_for(case)
    stage = next((s.id for s in policy.stages if s.channel == Channel.AGENCY), "agency") \
        if policy else "agency"
    actions = store.root / case.folder / "actions"
    existing = [p.name for p in actions.iterdir()] if actions.is_dir() else []
    name = free_name(existing, f"{today.isoformat()}-handover", ".yaml")
    rel = f"{case.folder}/actions/{name}"
    record = to_yaml({
        "date": today,
        "kind": str(ActionKind.HANDOVER),
        "stage": stage,
        "channel": str(Channel.AGENCY),
        "balance": Decimal(claim["principal"]),
        "total": Decimal(claim["total"]),
        "invoices": [i["number"] for i in claim["invoices"]],
        "bundle": result.bundle.name,
        "sha256": result.sha256,
    })
    message = (
        f"{case.id}: handover to the agency (agency)\n\n"
        f"Exported {result.commits} commit(s) of the case and the dossier as {result.bundle.name}\n"
        f"(sha256 {result.sha256}); claim as of {today.isoformat()}: "
        f"{claim['total']} {claim.get('currency', '')}.\n\n"
        f"Casebook-Case: {case.id}\n"
        f"Casebook-Stage: {stage}\n"
        f"Casebook-Channel: {Channel.AGENCY}\n"
        f"Casebook-Kind: {ActionKind.HANDOVER}\n"
        f"Casebook-Date: {today.isoformat()}\n"
    )
    # A batch of one: in a book of thousands of cases it is much faster than `git commit`.
    with store.batch() as batch:
        batch.commit({rel: record}, message, author=book.settings.operator, when=when)
    return batch.flushed[-1], rel

