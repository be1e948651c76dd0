"""Sending the pending emails over SMTP, never one twice, even after a crash at any moment.

No state is kept
outside the book: every step is a new file beside the `.eml`.

1. before the SMTP transaction: `actions/<stem>.sending` (written atomically, fsynced);
2. after the server's 250 for the message: `actions/<stem>.sent` (message id, the
   server's reply, the time), then both files are committed.

On the next run an `.eml` with `.sent` is done; one with `.sending` but no
`.sent` may or may not have reached the server (the crash came between 1 and 2): it
is *uncertain*, is never sent again automatically and is reported until a human decides
(see docs/letters.md); one with neither is sent. Credentials come only from the
environment (`CASEBOOK_SMTP_USER`, `CASEBOOK_SMTP_PASSWORD`) and are never logged or written.
"""

from __future__ import annotations

import os
import signal
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy as email_policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

from casebook.book.dump import to_yaml
from casebook.book.crashpoints import crash_point
from casebook.book.fsutil import atomic_write, folder_names, remove_temporaries
from casebook.record.gitstore import Store
from casebook.book.model import Book


USER_ENV = "CASEBOOK_SMTP_USER"
PASSWORD_ENV = "CASEBOOK_SMTP_PASSWORD"
#: Test hook: `<phase>:<n>` kills this process with SIGKILL at the n-th send (1-based), at
#: phase `sending` (marker written, nothing sent), `accepted` (server said 250, nothing
#: recorded) or `recorded` (`.sent` written, not committed).
CRASH_ENV = "CASEBOOK_TEST_MAIL_CRASH"

#: Seconds to wait for the SMTP server at each step.
SMTP_TIMEOUT = 60.0
SENDING = ".sending"
SENT = ".sent"  # YAML inside; not `.yaml`, which the loader reads as an action record


@dataclass
class SendReport:
    """What `send_pending` did; paths are relative to the book root."""

    enabled: bool = True
    sent: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    """Emails whose send began but whose outcome was never recorded: check by hand."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """Emails the server refused, or that could not be sent: tried again next run."""
    pending: list[str] = field(default_factory=list)
    """Emails not sent because sending is off (or the server could not be reached)."""
    recovered: list[str] = field(default_factory=list)
    """Sends recorded by an earlier run that crashed before committing them."""

    def lines(self) -> list[str]:
        out = [f"sent {p}" for p in self.sent]
        out += [f"recorded earlier send of {p}" for p in self.recovered]
        out += [
            f"UNCERTAIN {p}: a send began but its outcome was not recorded; check the "
            f"mailbox, then see docs/letters.md (never resent automatically)"
            for p in self.uncertain
        ]
        out += [f"failed {p}: {why}" for p, why in self.failed]
        if not self.enabled and self.pending:
            out.append(f"{len(self.pending)} email(s) not sent: mail.send is off")
        return out


@dataclass(frozen=True)
class _Outbox:
    eml: str
    case_id: str
    stem: str


def send_pending(
    book_root: Path, book: Book, *, store: Store, only: set[str] | None = None
) -> SendReport:
    """Send every committed `.eml` of the book that has not been sent.

    The caller holds `store.lock()` (as `casebook advance` does). `only` limits the run to
    some case ids. Nothing is sent unless `mail.send` is true in casebook.yaml.
    """
    settings = book.settings.mail
    report = SendReport(enabled=settings.send)
    tracked = _tracked(store)
    outbox: list[_Outbox] = []
    for rel in sorted(p for p in tracked if p.endswith(".eml")):
        parts = rel.split("/")
        if len(parts) != 4 or parts[0] != "cases" or parts[2] != "actions":
            continue
        case_id, stem = parts[1], parts[3][: -len(".eml")]
        if only is not None and case_id not in only:
            continue
        outbox.append(_Outbox(rel, case_id, stem))

    to_send: list[_Outbox] = []
    for item in outbox:
        base = book_root / "cases" / item.case_id / "actions" / item.stem
        sent, sending = Path(f"{base}{SENT}"), Path(f"{base}{SENDING}")
        sent_rel, sending_rel = item.eml[:-4] + SENT, item.eml[:-4] + SENDING
        # A marker write killed half-way leaves a temporary file that would make the case
        # look edited; the marker itself either exists whole or not at all.
        names = folder_names(sent.parent)  # one listing, not a glob and a stat a marker
        remove_temporaries(sent, names)
        remove_temporaries(sending, names)
        if sent.name in names:
            if sent_rel not in tracked or (sending.name in names and sending_rel not in tracked):
                _commit_markers(store, book, item, sent=True)
                report.recovered.append(item.eml)
        elif sending.name in names:
            if sending_rel not in tracked:
                _commit_markers(store, book, item, sent=False)
            report.uncertain.append(item.eml)
        else:
            to_send.append(item)

    if not settings.send:
        report.pending = [item.eml for item in to_send]
        return report
    if not to_send:
        return report

    try:
        connection = _connect(book)
    except (OSError, smtplib.SMTPException) as error:
        report.pending = [item.eml for item in to_send]
        report.failed.append(("(smtp)", f"cannot reach {settings.host}:{settings.port}: {_why(error)}"))
        return report
    try:
        for number, item in enumerate(to_send, start=1):
            if not _send_one(book_root, book, store, connection, item, number, report):
                # The connection broke: leave the rest for the next run.
                report.pending = [i.eml for i in to_send[number:]]
                break
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    return report


def _tracked(store: Store) -> set[str]:
    """The emails and send markers that are committed (one call, whatever the book's size).

    A marker only staged (a run killed between `git add` and `git commit`) counts as not
    committed, so that it gets its commit."""
    patterns = ("cases/*/actions/*.eml", f"cases/*/actions/*{SENT}", f"cases/*/actions/*{SENDING}")
    out = store.repo.git.ls_files("-z", "--", *patterns)
    staged = ""
    if store.head():
        staged = store.repo.git.diff("--cached", "--name-only", "-z", "--diff-filter=A", "--",
                                     *patterns)
    return {p for p in out.split("\x00") if p} - {p for p in staged.split("\x00") if p}


def _connect(book: Book) -> smtplib.SMTP:
    settings = book.settings.mail
    context = ssl.create_default_context()
    if settings.port == 465:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=SMTP_TIMEOUT, context=context
        )
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
        if settings.starttls:
            connection.ehlo()
            connection.starttls(context=context)
            connection.ehlo()
    connection.ehlo_or_helo_if_needed()
    user, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV, "")
    if user and password:
        try:
            connection.login(user, password)
        except smtplib.SMTPException as error:
            connection.close()
            # The server's reply, never the credentials.
            raise smtplib.SMTPException(f"login refused: {_why(error)}") from None
    return connection


def _send_one(
    book_root: Path,
    book: Book,
    store: Store,
    connection: smtplib.SMTP,
    item: _Outbox,
    number: int,
    report: SendReport,
) -> bool:
    """Send one email; False when the connection is no longer usable."""
    base = book_root / "cases" / item.case_id / "actions" / item.stem
    raw = (book_root / item.eml).read_bytes()
    message = BytesParser(policy=email_policy.SMTP).parsebytes(raw)
    sender = getaddresses([str(message.get("From", ""))])[0][1]
    recipients = [a for _, a in getaddresses([str(message.get("To", ""))]) if a]
    if book.settings.mail.bcc:
        recipients += [a for _, a in getaddresses([book.settings.mail.bcc]) if a]
    if not sender or not recipients:
        report.failed.append((item.eml, "no From or To address in the email"))
        return True

    sending = Path(f"{base}{SENDING}")
    atomic_write(
        sending,
        to_yaml({"message_id": str(message.get("Message-ID", "")).strip(), "started": _now(),
                 "to": ", ".join(recipients)}),
    )
    _crash_hook("sending", number)
    crash_point("mail:sending")
    try:
        code, reply = _transaction(connection, sender, recipients, raw)
    except smtplib.SMTPResponseException as error:
        # The server answered and refused: the message was not accepted, so try again later.
        sending.unlink(missing_ok=True)
        report.failed.append((item.eml, _why(error)))
        return _reset(connection)
    except smtplib.SMTPRecipientsRefused as error:
        sending.unlink(missing_ok=True)
        report.failed.append((item.eml, f"recipients refused: {_why(error)}"))
        return _reset(connection)
    except (OSError, smtplib.SMTPException) as error:
        # The connection broke mid-way: the server may have the message. Keep the marker,
        # record it as uncertain, and never send this one again by itself.
        _commit_markers(store, book, item, sent=False)
        report.uncertain.append(item.eml)
        report.failed.append((item.eml, f"connection lost while sending: {_why(error)}"))
        return False
    _crash_hook("accepted", number)
    crash_point("mail:accepted")
    atomic_write(
        Path(f"{base}{SENT}"),
        to_yaml({
            "message_id": str(message.get("Message-ID", "")).strip(),
            "to": ", ".join(recipients),
            "server": f"{book.settings.mail.host}:{book.settings.mail.port}",
            "response": f"{code} {reply}",
            "sent_at": _now(),
        }),
    )
    _crash_hook("recorded", number)
    crash_point("mail:recorded")
    _commit_markers(store, book, item, sent=True)
    crash_point("mail:committed")
    report.sent.append(item.eml)
    return True


def _reset(connection: smtplib.SMTP) -> bool:
    try:
        connection.rset()
        return True
    except (OSError, smtplib.SMTPException):
        return False


def _transaction(
    connection: smtplib.SMTP, sender: str, recipients: list[str], raw: bytes
) -> tuple[int, str]:
    """One SMTP mail transaction; returns the server's final reply to the message."""
    code, reply = connection.mail(sender)
    if code != 250:
        connection.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    accepted = 0
    for recipient in recipients:
        code, reply = connection.rcpt(recipient)
        if code in (250, 251):
            accepted += 1
    if not accepted:
        connection.rset()
        raise smtplib.SMTPRecipientsRefused({r: (code, reply) for r in recipients})
    code, reply = connection.data(raw)
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return code, reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _commit_markers(store: Store, book: Book, item: _Outbox, *, sent: bool) -> None:
    folder = f"cases/{item.case_id}/actions/{item.stem}"
    files: dict[str, bytes | None] = {}
    for suffix in (SENDING, SENT):
        path = store.root / f"{folder}{suffix}"
        if path.exists():
            files[f"{folder}{suffix}"] = path.read_bytes()
    what = "sent" if sent else "send uncertain (interrupted), check by hand"
    message = (
        f"{item.case_id}: email {item.stem} {what}\n\n"
        f"Casebook-Case: {item.case_id}\nCasebook-Email: {item.stem}\n"
    )
    store.commit(files, message, author=book.settings.operator)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _why(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {text}"
    return str(error) or type(error).__name__


def _crash_hook(phase: str, number: int) -> None:
    wanted = os.environ.get(CRASH_ENV, "")
    if wanted == f"{phase}:{number}":
        os.kill(os.getpid(), signal.SIGKILL)


__all__ = ["SendReport", "send_pending"]
