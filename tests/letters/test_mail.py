"""Emails: the .eml files, and sending them to a real SMTP server, once, even across crashes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from casebook.letters import letter as letters
from casebook.letters import email
from casebook.record import send as sending
from casebook.record.gitstore import Store
from casebook.book.load import load_book

from ..conftest import SETTINGS, git
from .test_support import DueAction, STAGES, action, make_book, make_case

REPO = Path(__file__).resolve().parents[2]


# -- building -----------------------------------------------------------------------------


def eml_of(case=None, act=None) -> bytes:
    case = case or make_case()
    files = letters.render_action(make_book(case), case, act or action(), book_root=Path("/none"))
    return files["actions/2026-11-22-reminder.eml"]


def test_eml_is_multipart_alternative_with_the_letter_attached() -> None:
    msg = BytesParser(policy=policy.default).parsebytes(eml_of())
    assert msg.get_content_type() == "multipart/mixed"
    assert msg["From"] == "Studio Noord BV <boekhouding@studionoord.be>"
    assert msg["To"] == "Mevrouw De Smet <info@janssens.be>"
    assert msg["Subject"] == "Betalingsherinnering: facturen 2026-0042, 2026-0050"
    assert msg["Date"] == "Sun, 22 Nov 2026 09:00:00 +0100"
    assert msg["Message-ID"].endswith(".2026-11-22-reminder@studionoord.be>")
    alternative, attachment = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html = alternative.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert "openstaande saldo bedraagt €\u00a01.350,00." in plain.get_content()  # text, not Markdown
    assert not plain.get_content().startswith("# ")  # the heading became the subject
    assert html.get_content_type() == "multipart/related"  # the HTML with its QR image
    html_body, qr_png = html.iter_parts()
    assert "<td>2026-0042</td>" in html_body.get_content()
    assert 'src="cid:qr@casebook"' in html_body.get_content()
    assert qr_png.get_content_type() == "image/png" and qr_png["Content-ID"] == "<qr@casebook>"
    assert qr_png.get_content().startswith(b"\x89PNG")
    assert attachment.get_filename() == "2026-11-22-reminder.html"
    assert "<svg" in attachment.get_content()  # the printable letter with its QR code


def test_eml_is_deterministic_and_crlf() -> None:
    first = eml_of()
    assert first == eml_of()
    assert b"\r\n" in first and b"\n" not in first.replace(b"\r\n", b"")


def test_message_id_differs_per_case_and_action() -> None:
    book = make_book()
    ids = {
        email.message_id(book, make_case(), "2026-11-22-reminder"),
        email.message_id(book, make_case(id="other"), "2026-11-22-reminder"),
        email.message_id(book, make_case(), "2026-12-06-reminder"),
    }
    assert len(ids) == 3


def test_several_addresses_all_get_the_email() -> None:
    raw = eml_of(make_case(email="info@janssens.be; boekhouding@janssens.be"))
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["To"] == "Mevrouw De Smet <info@janssens.be>, boekhouding@janssens.be"


def test_a_case_without_email_cannot_get_an_email_stage() -> None:
    with pytest.raises(Exception, match="no email address"):
        eml_of(make_case(email=""))


# -- a real book and a real SMTP server ----------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return f"250 2.0.0 Ok: queued as Q{len(self.messages)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, collector
    finally:
        controller.stop()


CASES = ("alfa", "bravo", "charlie")


def write_book(make_book_fixture, port: int, *, send: bool = True) -> Path:
    files = {
        "casebook.yaml": SETTINGS + f"mail: {{send: {str(send).lower()}, host: 127.0.0.1, port: {port}}}\n",
    }
    for n, case_id in enumerate(CASES, start=1):
        files[f"cases/{case_id}/debtor.yaml"] = (
            f"name: Klant {case_id.title()} BV\nemail: boekhouding@{case_id}.example\n"
        )
        files[f"cases/{case_id}/invoices/2026-01{n:02d}.yaml"] = (
            f'number: 2026-01{n:02d}\nissued: 2026-10-01\ndue: 2026-10-31\namount: "{n}00.50"\n'
        )
    return make_book_fixture(files)


def record_reminders(root: Path) -> None:
    """What `advance` does before sending: write each case's email action and commit it."""
    book = load_book(root).book
    store = Store(root)
    with store.lock():
        for case_id in CASES:
            case = book.cases[case_id]
            act = DueAction(case_id, "stage", date(2026, 11, 22), STAGES["reminder"], "email",
                            "reminder", date(2026, 12, 2), tuple(i.number for i in case.invoices))
            files = letters.render_action(book, case, act, book_root=root)
            store.commit({f"cases/{case_id}/{k}": v for k, v in files.items()},
                         f"{case_id}: reminder by email\n\nCasebook-Case: {case_id}\n")


def send(root: Path) -> sending.SendReport:
    book = load_book(root).book
    store = Store(root)
    with store.lock():
        return sending.send_pending(root, book, store=store)


def test_emails_reach_the_server_once_with_the_amounts_of_the_case(make_book, smtp) -> None:
    port, server = smtp
    root = write_book(make_book, port)
    record_reminders(root)
    head = git(root, "rev-parse", "HEAD").strip()

    report = send(root)
    assert report.failed == []
    assert sorted(report.sent) == [f"cases/{c}/actions/2026-11-22-reminder.eml" for c in CASES]
    assert report.uncertain == [] and report.failed == []
    assert len(server.messages) == 3
    for mail_from, rcpt, raw in server.messages:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        case_id = msg["X-Casebook-Case"]
        n = CASES.index(case_id) + 1
        assert mail_from == "boekhouding@studionoord.be"
        assert rcpt == [f"boekhouding@{case_id}.example"]
        plain = msg.get_body(("plain",)).get_content()
        amount = f"€\u00a0{n}00,50"
        assert re.search(rf"^2026-01{n:02d}  +1 oktober 2026  +31 oktober 2026  +{amount}  ",
                         plain, re.M)
        assert f"Gelieve {amount} over te maken" in plain
        # the letter received is the one recorded in the book, byte for byte
        recorded = (root / f"cases/{case_id}/actions/2026-11-22-reminder.eml").read_bytes()
        assert raw.replace(b"\r\n", b"\n") == recorded.replace(b"\r\n", b"\n")

    # Each send is recorded as new files, one commit each, and the tree is clean.
    log = git(root, "log", "--format=%s", f"{head}..HEAD").splitlines()
    assert sorted(log) == [f"{c}: email 2026-11-22-reminder sent" for c in CASES]
    assert git(root, "status", "--porcelain") == ""
    sent = (root / "cases/alfa/actions/2026-11-22-reminder.sent").read_text()
    assert "response: '250 2.0.0 Ok: queued as Q" in sent and "message_id: <" in sent
    assert load_book(root).problems == []  # the markers are not mistaken for actions

    # A second run sends nothing.
    again = send(root)
    assert again.sent == [] and again.uncertain == [] and len(server.messages) == 3
    assert git(root, "status", "--porcelain") == ""


def test_nothing_is_sent_when_sending_is_off(make_book, smtp) -> None:
    port, server = smtp
    root = write_book(make_book, port, send=False)
    record_reminders(root)
    report = send(root)
    assert report.sent == [] and len(report.pending) == 3 and server.messages == []
    assert "3 email(s) not sent: mail.send is off" in report.lines()
    assert git(root, "status", "--porcelain") == ""


def test_a_refused_recipient_is_not_marked_and_is_retried(make_book, smtp) -> None:
    port, server = smtp
    root = write_book(make_book, port)
    record_reminders(root)
    server.refuse.add("boekhouding@bravo.example")
    report = send(root)
    assert [p for p, _ in report.failed] == ["cases/bravo/actions/2026-11-22-reminder.eml"]
    assert "550" in report.failed[0][1]
    assert len(server.messages) == 2
    assert not (root / "cases/bravo/actions/2026-11-22-reminder.sending").exists()
    assert git(root, "status", "--porcelain") == ""
    server.refuse.clear()
    report = send(root)
    assert report.sent == ["cases/bravo/actions/2026-11-22-reminder.eml"]
    assert len(server.messages) == 3


def test_unreachable_server_leaves_everything_pending(make_book) -> None:
    root = write_book(make_book, free_port())  # nobody listens there
    record_reminders(root)
    report = send(root)
    assert report.sent == [] and len(report.pending) == 3
    assert report.failed and "cannot reach" in report.failed[0][1]
    assert git(root, "status", "--porcelain") == ""


# -- crashes -------------------------------------------------------------------------------

SENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from casebook.record.gitstore import Store
    from casebook.book.load import load_book
    from casebook.record.send import send_pending
    root = Path(sys.argv[1])
    store = Store(root)
    with store.lock():
        report = send_pending(root, load_book(root).book, store=store)
    print("\\n".join(report.lines()))
    """
)


def run_sender(root: Path, crash: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop(sending.CRASH_ENV, None)
    if crash:
        env[sending.CRASH_ENV] = crash
    return subprocess.run([sys.executable, "-c", SENDER, str(root)], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "crash,delivered_before_rerun,uncertain",
    [
        ("sending:2", 1, True),  # marker written, message not sent: uncertain, never resent
        ("accepted:2", 2, True),  # the server has it, nothing recorded: never resent
        ("recorded:2", 2, False),  # .sent written, not committed: the rerun commits it
    ],
)
def test_a_crash_while_sending_never_sends_twice(
    make_book, smtp, crash, delivered_before_rerun, uncertain
) -> None:
    port, server = smtp
    root = write_book(make_book, port)
    record_reminders(root)

    killed = run_sender(root, crash)
    assert killed.returncode == -9, killed.stderr
    assert len(server.messages) == delivered_before_rerun

    rerun = run_sender(root)
    assert rerun.returncode == 0, rerun.stderr
    ids = [BytesParser(policy=policy.default).parsebytes(raw)["Message-ID"]
           for _, _, raw in server.messages]
    assert len(ids) == len(set(ids)), "an email reached the server twice"
    bravo = "cases/bravo/actions/2026-11-22-reminder.eml"
    if uncertain:
        assert f"UNCERTAIN {bravo}" in rerun.stdout
        assert len(server.messages) == 2 + (delivered_before_rerun == 2)
    else:
        assert f"recorded earlier send of {bravo}" in rerun.stdout
        assert len(server.messages) == 3
    assert git(root, "status", "--porcelain") == ""  # every marker is committed

    # Later runs stay put: the uncertain one is reported again, never sent.
    third = run_sender(root)
    assert len(server.messages) == len(ids)
    assert (f"UNCERTAIN {bravo}" in third.stdout) == uncertain

    if uncertain:
        # The human checked: it did not arrive. Removing the marker lets the next run send it.
        git(root, "rm", "-q", "cases/bravo/actions/2026-11-22-reminder.sending")
        git(root, "commit", "-q", "-m", "bravo: reminder did not arrive, resend")
        fourth = run_sender(root)
        assert f"sent {bravo}" in fourth.stdout
        assert sum(1 for _, r, _ in server.messages if r == ["boekhouding@bravo.example"]) == (
            1 if delivered_before_rerun == 1 else 2
        )


# -- credentials ---------------------------------------------------------------------------


class Authenticator:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        self.seen.append((auth_data.login.decode(), auth_data.password.decode()))
        ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret-pw"
        return AuthResult(success=ok)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_credentials_come_from_the_environment_and_are_never_written(make_book, monkeypatch):
    collector, auth = Collector(), Authenticator()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port(),
                            authenticator=auth, auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        root = write_book(make_book, controller.port)
        record_reminders(root)
        # aiosmtpd hangs up slowly after a refused login: do not wait the full minute
        monkeypatch.setattr(sending, "SMTP_TIMEOUT", 2.0)
        monkeypatch.setenv(sending.USER_ENV, "mailer")
        monkeypatch.setenv(sending.PASSWORD_ENV, "wrong")
        refused = send(root)
        assert refused.sent == [] and "cannot reach" in refused.failed[0][1]
        assert "wrong" not in " ".join(refused.lines())
        monkeypatch.setenv(sending.PASSWORD_ENV, "s3cret-pw")
        report = send(root)
        assert len(report.sent) == 3 and len(collector.messages) == 3
        assert ("mailer", "s3cret-pw") in auth.seen
    finally:
        controller.stop()
    history = git(root, "log", "-p", "--all")
    assert "s3cret-pw" not in history and "mailer" not in history
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert b"s3cret-pw" not in path.read_bytes()



