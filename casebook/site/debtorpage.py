"""The context of a debtor page: the case in full, its letters and its commits.

Kept apart from `context` (the overview and forecast, built from every case's summary)
because a debtor page is made from one case alone, and because this is the part of the
site that reads the case folder: the letters and emails each action wrote. Those reads
stay confined to regular files inside the case folder (see `action_file`).
"""

from __future__ import annotations

import email
import email.policy
import os
import stat
from pathlib import Path
from typing import Any

from markupsafe import Markup

from casebook.book.model import Case
from casebook.engine.due import open_disputes
from casebook.site import inputs
from casebook.site.context import Inputs, site_info
from casebook.site.inputs import CaseFigures, State
from casebook.site.markup import markdown
from casebook.site.writer import safe_relative

SHA_SHOWN = 10


def letter_path(case_id: str, name: str) -> str:
    return f"debtors/{case_id}/{name}"


def debtor(inp: Inputs, case: Case, *, row: CaseFigures, state: State) -> dict[str, Any]:
    book, today = inp.book, inp.today
    alloc = inputs.allocation(case)
    disputed = open_disputes(case.notes)
    invoices = []
    for balance in alloc.invoices:
        inv = balance.invoice
        late = (today - inv.due).days
        if balance.open == 0:
            status = "paid"
        elif inv.number in disputed:
            status = "disputed"
        elif late > 0:
            status = "overdue"
        else:
            status = "open"
        invoices.append({
            "number": inv.number, "issued": inv.issued, "due": inv.due, "amount": inv.amount,
            "credited": inv.credited, "paid": balance.paid, "open": balance.open,
            "paid_on": balance.paid_on, "days_late": max(late, 0) if balance.open else 0,
            "status": status, "description": inv.description, "reference": inv.reference,
        })
    applied: dict[str, list[str]] = {}
    for balance in alloc.invoices:
        for part in balance.applied:
            applied.setdefault(part.payment, []).append(balance.invoice.number)
    payments = [
        {"date": p.date, "amount": p.amount, "invoice": p.invoice or "",
         "applied_to": ", ".join(sorted(set(applied.get(p.id, [])))),
         "reference": p.reference, "origin": p.origin, "id": p.id}
        for p in sorted(case.payments, key=lambda p: (p.date, p.id))
    ]
    policy = book.policy_for(case)
    return {
        "site": site_info(inp, root="../"),
        "case": case,
        "address": case.address.lines(),
        "policy": policy.name if policy else "",
        "language": book.language_of(case),
        "row": row,
        "state": state,
        "invoices": invoices,
        "credit": alloc.credit,
        "payments": payments,
        "claim": inputs.claim(book, case, today, say=inp.texts.say),
        "notes": [_note(n) for n in sorted(case.notes, key=lambda n: (n.date, n.id))],
        "letters": letters(inp, case),
        "timeline": timeline(inp, case),
    }


def _note(note) -> dict[str, Any]:
    return {
        "date": note.date, "channel": note.channel, "with": note.with_, "by": note.by,
        "promise": note.promise, "dispute": note.dispute, "resolved": note.resolved,
        "plan": note.plan, "completes": note.completes, "id": note.id,
        "html": markdown(note.body),
    }


def action_file(inp: Inputs, case: Case, name: str) -> Path | None:
    """An action's file, named relative to the case folder or to its `actions/` folder.

    Only plain names of regular files inside the case folder count: no `..`, no absolute
    path, no symbolic link (a link could pull any file of the machine into the site).
    """
    if not safe_relative(name):
        return None
    folder = os.path.join(inp.root, "cases", case.id)
    for path in (os.path.join(folder, name), os.path.join(folder, "actions", name)):
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                return Path(path)
        except OSError:
            continue
    return None


def letters(inp: Inputs, case: Case) -> list[dict[str, Any]]:
    """Every action with its letter or email shown, and the printable copy linked."""
    result = []
    for action in sorted(case.actions, key=lambda a: (a.date, a.id)):
        body, printable, pdf, subject, eml = Markup(""), "", "", "", ""
        for name in sorted(action.files):
            path = action_file(inp, case, name)
            if path is None:
                continue
            suffix = path.suffix.lower()
            if suffix == ".md":
                body = markdown(_front_matter_stripped(path.read_text("utf-8", "replace")))
            elif suffix in (".html", ".htm"):
                printable = letter_path(case.id, path.name)
            elif suffix == ".pdf":
                pdf = letter_path(case.id, path.name)
            elif suffix == ".eml":
                eml = path.name
                subject, text = _email_text(path)
                if not body and text:
                    body = Markup("<pre>") + text + Markup("</pre>")
        result.append({
            "id": action.id, "date": action.date, "kind": str(action.kind),
            "stage": action.stage, "channel": action.channel, "balance": action.balance,
            "total": action.total, "deadline": action.deadline,
            "invoices": ", ".join(action.invoices), "body": body, "printable": printable, "pdf": pdf,
            "subject": subject, "email": eml,
        })
    return result


def printable_sources(inp: Inputs, case: Case) -> list[tuple[str, Path]]:
    """The (site path, source file) of each printable letter of a case, and its PDF."""
    found = []
    for action in case.actions:
        for name in action.files:
            path = action_file(inp, case, name)
            if path is not None and path.suffix.lower() in (".html", ".htm", ".pdf"):
                found.append((letter_path(case.id, path.name), path))
    return sorted(found)


def _front_matter_stripped(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4:].lstrip("\n")
    return text


def _email_text(path: Path) -> tuple[str, str]:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    subject = str(message.get("Subject", ""))
    part = message.get_body(preferencelist=("plain",))
    try:
        text = part.get_content() if part is not None else ""
    except (LookupError, ValueError):
        text = ""
    return subject, text


def timeline(inp: Inputs, case: Case) -> list[dict[str, Any]]:
    """The case's commits, newest first: when, what, who, which commit."""
    return [
        {
            "when": e.when.strftime("%Y-%m-%d %H:%M"),
            "date": e.when.date(),
            "subject": e.subject,
            "author": e.author,
            "sha": e.sha,
            "short": e.sha[:SHA_SHOWN],
            "stage": e.stage,
        }
        for e in inp.history.for_case(case.id)
    ]
