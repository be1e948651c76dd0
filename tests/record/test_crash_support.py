"""Helpers for the crash tests: real books, a real SMTP server, commands killed in a child.

A command runs in a forked child of the test process (casebook is imported once, so a run
costs milliseconds instead of the half second a fresh interpreter needs). The child gets
`CASEBOOK_CRASH_AT=*:<n>` and SIGKILLs itself at the n-th crash point it passes; the
parent then reruns the same command and checks that the book is consistent.

The SMTP server is a separate process that appends the Message-ID of every message it
accepts to a log file, so a test can count how often each email really left.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from casebook.book import crashpoints

SMTP_SERVER = r"""
import sys, time
from email.parser import BytesParser
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

log, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

class Handler:
    async def handle_DATA(self, server, session, envelope):
        mid = BytesParser().parsebytes(envelope.content, headersonly=True)["Message-ID"]
        with open(log, "a") as out:
            out.write(f"{mid}\n")
            out.flush()
        return "250 2.0.0 Ok: queued"

def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
          and auth_data.password.decode() == password)
    return AuthResult(success=ok)

kwargs = {}
if user:
    kwargs = dict(authenticator=authenticate, auth_required=True, auth_require_tls=False)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A real SMTP server in its own process; `ids()` lists what it accepted, in order."""

    def __init__(self, folder: Path, *, user: str = "", password: str = "") -> None:
        self.log = folder / "smtp.log"
        self.log.write_text("")
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", SMTP_SERVER, str(self.log), str(self.port),
             user, password],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def ids(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if line]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# -- running a command in a child ----------------------------------------------------------


@dataclass
class Run:
    code: int
    """Exit code; -9 when the child was killed at a crash point."""
    out: str
    err: str

    @property
    def killed(self) -> bool:
        return self.code == -signal.SIGKILL

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.err


def run_cli(args: Sequence[str], *, crash: str = "", env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120, count: Path | None = None) -> Run:
    """`casebook ARGS` in a forked child; `crash` is a `CASEBOOK_CRASH_AT` value. With
    `count`, the child writes there how many crash points it passed (give a `crash` that
    never fires, such as `*:1000000000`)."""
    out_file = tempfile.TemporaryFile()
    err_file = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 98
        try:
            os.dup2(out_file.fileno(), 1)
            os.dup2(err_file.fileno(), 2)
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                          line_buffering=True)
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                          line_buffering=True)
            sys.stdin = open(os.devnull)
            os.environ.pop(crashpoints.ENV, None)
            os.environ.update(env or {})
            if crash:
                os.environ[crashpoints.ENV] = crash
            crashpoints._seen.clear()
            if cwd is not None:
                os.chdir(cwd)
            from casebook.cli import main

            try:
                main.main(args=list(args), prog_name="casebook", standalone_mode=True)
                code = 0
            except SystemExit as leaving:
                code = leaving.code if isinstance(leaving.code, int) else (
                    0 if leaving.code is None else 1)
            if count is not None:
                count.write_text(str(crashpoints._seen["*"]))
        except BaseException:  # noqa: BLE001 - reported to the parent as a traceback
            traceback.print_exc()
            code = 99
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"casebook {' '.join(args)} hung for {timeout}s")
        time.sleep(0.002)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    out_file.seek(0)
    err_file.seek(0)
    return Run(code, out_file.read().decode("utf-8", "replace"),
               err_file.read().decode("utf-8", "replace"))


def wait_for_orphans(root: Path, timeout: float = 10.0) -> None:
    """Wait until no process works in the book any more (a git command outliving the killed
    run: fast-import finishing its pack, a `git commit` completing)."""
    target = str(root.resolve())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = False
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cwd = os.readlink(f"/proc/{entry.name}/cwd")
            except OSError:
                continue
            if cwd == target or cwd.startswith(target + "/"):
                busy = True
                break
        if not busy:
            return
        time.sleep(0.005)
    raise AssertionError(f"a process still works in {root} after {timeout}s")


@contextlib.contextmanager
def scratch(fallback: Path) -> Iterator[Path]:
    """A folder in memory (/dev/shm) when there is one, else `fallback`.

    The crash tests kill processes, they do not cut the power: fsync protects nothing
    there, and on a disk it is most of the time a run takes.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="casebook-crash-", dir=shm))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        yield fallback


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout


def copy_book(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def files_of(root: Path) -> dict[str, bytes]:
    """Every file of the working tree outside .git and site/."""
    out = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if rel.parts[0] in (".git", "site") or not path.is_file():
            continue
        out[rel.as_posix()] = path.read_bytes()
    return out
