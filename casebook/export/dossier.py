"""The dossier an agency bundle carries at its top: `claim.json`, `claim.html` (readable,
self-contained), `timeline.md` (the case's events and history), `creditor.yaml` (whose claim
it is: the creditor, jurisdiction, language, contract terms, for an agency's book of many
creditors; `casebook receive` puts it in the case folder) and `MANIFEST.sha256`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from casebook.book.model import Book, Case

DOSSIER = ("claim.json", "claim.html", "timeline.md", "creditor.yaml", "MANIFEST.sha256")


def claim_json(root: Path, book: Book, case: Case, today: date) -> dict[str, Any]:
    """The claim as of `today` (`casebook claim --json`), with the book's own rate tables."""
    from casebook.money.claim import claim_for  # the money engine is imported only when a claim is made
    from casebook.book.rates import load_tables

    tables, _ = load_tables(root)
    return claim_for(book, case, today, rates=tables).to_json()


def dossier_files(
    book: Book, case: Case, claim: dict[str, Any], history: list[dict[str, str]], *,
    today: date, head: str,
) -> dict[str, bytes]:
    """`claim.json`, `claim.html`, `timeline.md` and `creditor.yaml` (the manifest is made
    over the whole last commit, with these in it: `manifest_text`)."""
    from casebook.book.creditors import from_settings
    from casebook.book.dump import to_yaml

    timeline = timeline_markdown(book, case, history, today=today, head=head)
    return {
        "claim.json": (json.dumps(claim, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8"),
        "claim.html": claim_html(book, case, claim).encode("utf-8"),
        "timeline.md": timeline.encode("utf-8"),
        "creditor.yaml": to_yaml(from_settings(book.settings_of(case)).to_mapping()),
    }


def manifest_text(files: dict[str, bytes]) -> str:
    """`sha256sum` lines for `files` (path -> content), sorted by path."""
    lines = []
    for path in sorted(files):
        digest = hashlib.sha256(files[path]).hexdigest()
        if "\\" in path or "\n" in path:  # sha256sum's escaped form
            lines.append("\\" + digest + "  " + path.replace("\\", "\\\\").replace("\n", "\\n"))
        else:
            lines.append(f"{digest}  {path}")
    return "\n".join(lines) + "\n"


LABELS = {
    "en": {
        "ev_invoice": "invoice {number} issued", "ev_payment": "payment", "ev_note": "note",
        "ev_with": "with", "ev_promise": "promise to pay on", "ev_dispute": "dispute of invoice",
        "ev_resolved": "dispute resolved for", "ev_plan": "payment plan", "ev_completes": "completes",
        "ev_deadline": "deadline", "ev_action": "action",
        "claim": "Claim", "against": "against", "as_of": "as of", "creditor": "Creditor",
        "debtor": "Debtor", "invoices": "Open invoices", "number": "Invoice", "due": "Due",
        "amount": "Amount", "paid": "Paid", "open": "Open", "late": "Days late",
        "interest": "Interest", "compensation": "Compensation", "periods": "Interest periods",
        "from": "From", "to": "To", "days": "Days", "rate": "Rate", "base": "Base",
        "costs": "Costs", "basis": "Basis", "principal": "Principal", "total": "Total",
        "warnings": "Remarks", "timeline": "Timeline", "events": "Events",
        "history": "History (git)", "date": "Date", "event": "Event", "author": "Author",
        "message": "Message", "original": "Original commit",
    },
    "nl": {
        "ev_invoice": "factuur {number} uitgereikt", "ev_payment": "betaling", "ev_note": "notitie",
        "ev_with": "met", "ev_promise": "belofte te betalen op", "ev_dispute": "betwisting van factuur",
        "ev_resolved": "betwisting opgelost voor", "ev_plan": "afbetalingsplan",
        "ev_completes": "rondt af", "ev_deadline": "termijn", "ev_action": "actie",
        "claim": "Vordering", "against": "tegen", "as_of": "op", "creditor": "Schuldeiser",
        "debtor": "Schuldenaar", "invoices": "Openstaande facturen", "number": "Factuur",
        "due": "Vervaldag", "amount": "Bedrag", "paid": "Betaald", "open": "Open",
        "late": "Dagen te laat", "interest": "Interest", "compensation": "Schadevergoeding",
        "periods": "Interestperiodes", "from": "Van", "to": "Tot", "days": "Dagen",
        "rate": "Rentevoet", "base": "Basis", "costs": "Kosten", "basis": "Grondslag",
        "principal": "Hoofdsom", "total": "Totaal", "warnings": "Opmerkingen",
        "timeline": "Tijdlijn", "events": "Gebeurtenissen", "history": "Geschiedenis (git)",
        "date": "Datum", "event": "Gebeurtenis", "author": "Auteur", "message": "Bericht",
        "original": "Oorspronkelijke commit",
    },
    "fr": {
        "ev_invoice": "facture {number} émise", "ev_payment": "paiement", "ev_note": "note",
        "ev_with": "avec", "ev_promise": "promesse de payer le", "ev_dispute": "contestation de la facture",
        "ev_resolved": "contestation résolue pour", "ev_plan": "plan de paiement",
        "ev_completes": "clôture", "ev_deadline": "délai", "ev_action": "action",
        "claim": "Créance", "against": "contre", "as_of": "au", "creditor": "Créancier",
        "debtor": "Débiteur", "invoices": "Factures ouvertes", "number": "Facture",
        "due": "Échéance", "amount": "Montant", "paid": "Payé", "open": "Ouvert",
        "late": "Jours de retard", "interest": "Intérêts", "compensation": "Indemnité",
        "periods": "Périodes d'intérêts", "from": "Du", "to": "Au", "days": "Jours",
        "rate": "Taux", "base": "Base", "costs": "Frais", "basis": "Fondement",
        "principal": "Principal", "total": "Total", "warnings": "Remarques",
        "timeline": "Chronologie", "events": "Événements", "history": "Historique (git)",
        "date": "Date", "event": "Événement", "author": "Auteur", "message": "Message",
        "original": "Commit d'origine",
    },
}

_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#111}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}"
    "th,td{border-bottom:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".parties{display:flex;gap:4em}.total td{font-weight:bold;border-top:2px solid #111}"
    "@media print{body{margin:0}}"
)


def claim_html(book: Book, case: Case, claim: dict[str, Any]) -> str:
    """A readable, self-contained page of the claim (no script, no external resource)."""
    from html import escape as e

    t = LABELS.get(book.language_of(case), LABELS["en"])
    cur = claim.get("currency", "")
    creditor = book.settings_of(case).creditor

    def party(title: str, name: str, lines: Iterable[str]) -> str:
        rows = "".join(f"<br>{e(line)}" for line in lines if line)
        return f"<div><h2>{e(title)}</h2><p><strong>{e(name)}</strong>{rows}</p></div>"

    def table(headers: list[tuple[str, bool]], rows: list[list[str]]) -> str:
        head = "".join(f'<th class="n">{e(h)}</th>' if n else f"<th>{e(h)}</th>" for h, n in headers)
        body = "".join(
            "<tr>" + "".join(
                f'<td class="n">{e(str(v))}</td>' if n else f"<td>{e(str(v))}</td>"
                for v, (_, n) in zip(row, headers)
            ) + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    parts = [
        "<!doctype html>",
        f'<html lang="{e(book.language_of(case))}"><head><meta charset="utf-8">',
        f"<title>{e(t['claim'])} {e(case.name)} {e(claim['as_of'])}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{e(t['claim'])} {e(t['against'])} {e(case.name)} {e(t['as_of'])} {e(claim['as_of'])}</h1>",
        '<div class="parties">',
        party(t["creditor"], creditor.name,
              [*creditor.address.lines(), creditor.vat, creditor.iban, creditor.email]),
        party(t["debtor"], case.name, [*case.address.lines(), case.vat, case.email]),
        "</div>",
        f"<h2>{e(t['invoices'])}</h2>",
        table(
            [(t["number"], False), (t["due"], False), (t["amount"], True), (t["paid"], True),
             (t["open"], True), (t["late"], True), (t["interest"], True), (t["compensation"], True)],
            [[i["number"], i["due"], i["amount"], i["paid"], i["open"], i["days_late"],
              i["interest"], i["compensation"]] for i in claim["invoices"]],
        ),
    ]
    if claim.get("periods"):
        parts += [
            f"<h2>{e(t['periods'])}</h2>",
            table(
                [(t["number"], False), (t["from"], False), (t["to"], False), (t["days"], True),
                 (t["rate"], True), (t["base"], True), (t["amount"], True)],
                [[p["invoice"], p["start"], p["end"], p["days"], p["rate"], p["base"], p["amount"]]
                 for p in claim["periods"]],
            ),
        ]
    if claim.get("cost_lines"):
        parts += [
            f"<h2>{e(t['costs'])}</h2>",
            table([(t["costs"], False), (t["basis"], False), (t["amount"], True)],
                  [[c["label"], c["basis"], c["amount"]] for c in claim["cost_lines"]]),
        ]
    parts += [
        "<table>",
        *(f'<tr><td>{e(t[k])}</td><td class="n">{e(claim[k])} {e(cur)}</td></tr>'
          for k in ("principal", "interest", "costs")),
        f'<tr class="total"><td>{e(t["total"])}</td><td class="n">{e(claim["total"])} {e(cur)}</td></tr>',
        "</table>",
    ]
    if claim.get("warnings"):
        parts.append(f"<h2>{e(t['warnings'])}</h2><ul>"
                     + "".join(f"<li>{e(w)}</li>" for w in claim["warnings"]) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def timeline_markdown(
    book: Book, case: Case, history: list[dict[str, str]], *, today: date, head: str
) -> str:
    """The case's events (from its files) and its history (from git), oldest first."""
    t = LABELS.get(book.language_of(case), LABELS["en"])
    cur = book.settings.currency

    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    events: list[tuple[str, str, str]] = []
    for i in case.invoices:
        events.append((i.issued.isoformat(), t["ev_invoice"].format(number=i.number),
                       f"{i.amount:.2f} {cur}, {t['due'].lower()} {i.due.isoformat()}"))
    for p in case.payments:
        events.append((p.date.isoformat(), t["ev_payment"],
                       f"{p.amount:.2f} {cur}" + (f" ({p.invoice})" if p.invoice else "")))
    for n in case.notes:
        what = [n.channel] + [x for x in (
            n.with_ and f"{t['ev_with']} {n.with_}",
            n.promise and f"{t['ev_promise']} {n.promise.date.isoformat()}",
            n.dispute and f"{t['ev_dispute']} {n.dispute.invoice}",
            n.resolved and f"{t['ev_resolved']} {n.resolved}",
            n.plan and f"{t['ev_plan']} ({len(n.plan.installments)})",
            n.completes and f"{t['ev_completes']} {n.completes}",
        ) if x]
        events.append((n.date.isoformat(), f"{t['ev_note']} ({n.id})", ", ".join(what)))
    for a in case.actions:
        details = [a.channel, f"{t['total'].lower()} {a.total:.2f} {cur}"]
        if a.deadline:
            details.append(f"{t['ev_deadline']} {a.deadline.isoformat()}")
        if a.files:
            details.append(", ".join(a.files))
        events.append((a.date.isoformat(), f"{t['ev_action']}: {a.stage or a.kind}",
                       ", ".join(d for d in details if d)))
    lines = [
        f"# {t['timeline']}: {case.name} ({case.id})",
        "",
        f"{book.settings_of(case).creditor.name}, {today.isoformat()}; book commit `{head}`.",
        "",
        f"## {t['events']}",
        "",
        f"| {t['date']} | {t['event']} | |",
        "|---|---|---|",
        *(f"| {d} | {cell(what)} | {cell(details)} |" for d, what, details in sorted(events)),
        "",
        f"## {t['history']}",
        "",
        f"| {t['date']} | {t['author']} | {t['message']} | {t['original']} |",
        "|---|---|---|---|",
        *(f"| {r['date']} | {cell(r['author'])} | {cell(r['subject'])} | `{r['original'][:12]}` |"
          for r in history),
        "",
    ]
    return "\n".join(lines)
