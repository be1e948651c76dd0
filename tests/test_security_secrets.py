"""SMTP credentials come from the environment only and never land anywhere.

A real SMTP server that requires AUTH; `casebook advance` sends the reminders with
`CASEBOOK_SMTP_USER` / `CASEBOOK_SMTP_PASSWORD` set (first a wrong password, then the right
one). The password must not appear in any file of the book, in any git object (committed,
dangling or in a pack), in the reflog, in anything the commands print, nor in the site.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

from click.testing import CliRunner

from casebook.record import send as mail
from casebook.cli import main

from .record.test_crash_support import SmtpServer, git, scratch

USER = "mailer@studionoord.be"
PASSWORD = "pw-Zq8!x7#LongSecret-2026"
WRONG = "pw-wrong-Secret-4711"

SETTINGS = """\
creditor:
  name: Studio Noord BV
  address: {street: Kerkstraat 12, postcode: "9000", city: Gent, country: BE}
  vat: BE0403170701
  iban: BE68539007547034
  email: boekhouding@studionoord.be
jurisdiction: BE
language: nl
default_policy: standard
mail: {send: true, host: 127.0.0.1, port: PORT}
"""

POLICY = """\
description: Test policy.
stages:
  - {id: reminder, after_due: 7, channel: email, template: reminder, deadline_days: 10}
"""


def make(root: Path, port: int) -> Path:
    files = {"casebook.yaml": SETTINGS.replace("PORT", str(port)),
             "policies/standard.yaml": POLICY}
    for n in range(1, 4):
        files[f"cases/klant-{n}/debtor.yaml"] = f"name: Klant {n}\nemail: klant{n}@example.be\n"
        files[f"cases/klant-{n}/invoices/1.yaml"] = (
            f'number: "K{n}"\nissued: 2026-09-01\ndue: 2026-10-01\namount: "{n}00.00"\n')
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    return root


def casebook(root: Path, *args: str, password: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CASEBOOK_SMTP_USER": USER, "CASEBOOK_SMTP_PASSWORD": password}
    return subprocess.run([sys.executable, "-m", "casebook", *args, "--book", str(root)],
                          env=env, capture_output=True, text=True, timeout=300)


def everything_stored(root: Path) -> bytes:
    """Every file under the book (.git included, packs inflated) and every git object."""
    chunks = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            chunks.append(data)
            if path.suffix == ".pack" or "objects" in path.parts:
                try:
                    chunks.append(zlib.decompress(data))
                except zlib.error:
                    pass
    chunks.append(subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"],
                                 cwd=root, capture_output=True, check=True).stdout)
    chunks.append(git(root, "log", "-p", "--all", "--reflog").encode())
    return b"\n".join(chunks)


def test_the_smtp_password_is_never_written_printed_or_published(tmp_path, monkeypatch):
    with scratch(tmp_path) as folder:
        server = SmtpServer(folder, user=USER, password=PASSWORD)
        try:
            root = make(folder / "book", server.port)
            # A wrong password: the login is refused, nothing is sent, the reply is shown.
            # (In this process: aiosmtpd answers slowly after a refused login, and the wait
            # is shortened here.)
            monkeypatch.setattr(mail, "SMTP_TIMEOUT", 2.0)
            monkeypatch.setenv(mail.USER_ENV, USER)
            monkeypatch.setenv(mail.PASSWORD_ENV, WRONG)
            refused = CliRunner().invoke(main, ["advance", "--today", "2026-11-24",
                                                "--book", str(root)])
            assert server.ids() == []
            assert "login refused" in refused.output
            # The right one: every reminder leaves once.
            sent = casebook(root, "advance", "--today", "2026-11-24", password=PASSWORD)
            assert sent.returncode == 0, sent.stderr
            assert len(server.ids()) == 3 == len(set(server.ids()))
            site = casebook(root, "site", "--today", "2026-11-24", password=PASSWORD)
            assert site.returncode == 0, site.stderr
            checked = casebook(root, "check", password=PASSWORD)
            exported = casebook(root, "export", "klant-1", "--today", "2026-11-24", "--out",
                                str(folder / "klant-1.bundle"), password=PASSWORD)
            assert exported.returncode == 0, exported.stderr
        finally:
            server.stop()
        printed = refused.output + "".join(
            r.stdout + r.stderr for r in (sent, site, checked, exported))
        stored = everything_stored(root)
        bundle = (folder / "klant-1.bundle").read_bytes()
        for secret in (PASSWORD, WRONG):
            assert secret not in printed
            assert secret.encode() not in stored
            assert secret.encode() not in bundle
        assert USER not in printed and USER.encode() not in stored
        assert "sent cases/klant-1/actions/2026-11-24-reminder.eml" in sent.stdout
