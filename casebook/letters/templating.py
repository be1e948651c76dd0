"""A sandboxed Jinja environment for templates that users edit (letters, the site).

Templates live in the book and anybody with write access to it can change them, so they
are rendered in Jinja's immutable sandbox: no attribute that starts with an underscore
(`__class__`, `__globals__`, ...), no method that mutates a value. The sandbox normally
returns a silent "undefined" for an unsafe attribute and only fails when it is printed;
here touching one fails at once, so a hostile or broken template never renders half a
letter. Every failure becomes a `BookError` naming the template file and line.

A template is also bounded: compiling and rendering it may take `RENDER_SECONDS` of
time and `RENDER_MEMORY` bytes of new memory; `*` and `**` may not build values beyond
`MAX_REPEAT` items or `MAX_POWER_BITS` bits (they run in one step that no timer
interrupts), and recursion is caught. A template that loops forever, doubles a string
until the memory is gone or calls itself fails with a message instead of hanging the
nightly run.

A book overrides a shipped template by putting a file with the same name in its own
folder (a `ChoiceLoader`: the book first, the shipped folder second).
"""

from __future__ import annotations

import contextlib
import math
import operator
import os
import resource
import signal
import threading
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import jinja2
from jinja2.debug import rewrite_traceback_stack
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from casebook.book.errors import BookError, Problem
from casebook.book.fsutil import read_inside


#: Wall-clock seconds a template may take to compile and render.
RENDER_SECONDS = 20.0
#: Bytes of address space a render may add to the process.
RENDER_MEMORY = 1 << 30
#: Largest string or list a `*` in a template may build.
MAX_REPEAT = 1_000_000
#: Largest number (in bits) a `**` in a template may build.
MAX_POWER_BITS = 4096


class TemplateTooCostly(BaseException):
    """A template went beyond the time or size bounds.

    Not an `Exception`: Jinja swallows those while it folds constants at compile time (and
    then computes the same thing again at render time)."""


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _StrictSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, failing on the first touch of an unsafe attribute."""

    # Intercepted operators are also never folded into constants when the template is
    # compiled (Jinja would compute `9 ** 9 ** 9` while compiling).
    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is not allowed"
        )

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `creditor.name` on a dict (what a letter's context is made of): the sandbox asks
        # the dict for an attribute first and catches the AttributeError, then takes the
        # item. A name that no dict has as an attribute goes to the item at once.
        if type(obj) is dict and type(attribute) is str and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            _check_power(left, right)
            return operator.pow(left, right)
        if op == "*":
            _check_repeat(left, right)
            return operator.mul(left, right)
        return super().call_binop(context, op, left, right)


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if exponent * math.log2(abs(base)) > MAX_POWER_BITS:
            raise TemplateTooCostly(f"{base} ** {exponent} is too large a number for a template")


def _check_repeat(left: Any, right: Any) -> None:
    for seq, count in ((left, right), (right, left)):
        if isinstance(count, int) and hasattr(seq, "__len__") and not isinstance(seq, int):
            if len(seq) * count > MAX_REPEAT:
                raise TemplateTooCostly(
                    f"repeating {len(seq)} items {count} times is too large for a template"
                )


def environment(
    folders: Iterable[Path],
    *,
    html: bool,
    filters: Mapping[str, Callable[..., Any]] | None = None,
    base: Path | None = None,
) -> jinja2.Environment:
    """A sandboxed environment loading templates from `folders`, the first match winning.

    `html` turns on autoescaping (for HTML output; Markdown letters are not escaped).
    Undefined names fail loudly: a misspelt variable must not print an empty amount.
    `base` is the folder paths in error messages are made relative to (the book root).
    """
    loader = jinja2.ChoiceLoader(
        [_FolderLoader(folder, base) for folder in folders if folder.is_dir()]
    )
    env = _StrictSandbox(
        loader=loader,
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters or {})
    env.display_base = base  # type: ignore[attr-defined]
    return env


class _UnsafeFile(SecurityError):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"the template file cannot be read: {why}")
        self.path = path


class _FolderLoader(jinja2.FileSystemLoader):
    """Templates of one folder, read only when they are regular files that stay inside
    the folder or the book (`base`): a template that is a link to `/proc/self/environ` or
    a device is refused, never read into a letter or a page."""

    def __init__(self, folder: Path, base: Path | None) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.base = base

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses `..`
        path = self.folder.joinpath(*pieces)
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        try:
            data = self._read(path, "/".join(pieces))
        except OSError as error:
            raise _UnsafeFile(str(path), error.strerror or str(error)) from None
        mtime = os.path.getmtime(path)
        return (data.decode(self.encoding), os.path.normpath(path),
                lambda: _mtime(path) == mtime)

    def _read(self, path: Path, rel: str) -> bytes:
        if self.base is not None:
            try:
                return read_inside(self.base, path.relative_to(self.base).as_posix())
            except ValueError:  # a folder outside the book (the shipped templates)
                pass
        return read_inside(self.folder, rel)


def _mtime(path: Path) -> float | None:
    """A file's modification time, None when it is gone: one stat where `exists` and
    `getmtime` took two (Jinja asks at every render and include whether a file changed)."""
    try:
        return os.stat(path).st_mtime
    except (OSError, ValueError):
        return None


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render template `name`; any failure is a `BookError` at the template's file and line."""
    template: jinja2.Template | None = None
    try:
        with _bounded():
            template = env.get_template(name)
            return template.render(dict(context))
    except jinja2.TemplateNotFound as error:  # the template, or one it includes
        if template is None:
            raise BookError(f"template {error.name!r} not found") from None
        filename, line = _template_frame(error, template.filename)
        raise _error(env, filename, line, f"template {error.name!r} not found")
    except jinja2.TemplateSyntaxError as error:  # also an {% include %} that does not parse
        raise _error(env, error.filename or _source_path(env, name), error.lineno,
                     error.message or "syntax error")
    except SecurityError as error:
        if isinstance(error, _UnsafeFile):
            filename, line = error.path, 1
        else:
            filename, line = _template_frame(error, _filename(env, template, name))
        raise _error(env, filename, line, f"unsafe template: {error}")
    except jinja2.TemplateError as error:  # undefined variables, bad filters, ...
        filename, line = _template_frame(error, _filename(env, template, name))
        raise _error(env, filename, line, error.message or type(error).__name__)
    except (TemplateTooCostly, RecursionError, MemoryError) as error:
        if template is None:
            raise _error(env, _source_path(env, name), 1,
                         f"cannot compile the template: {_what(error)}")
        if isinstance(error, TemplateTooCostly):  # Jinja maps template lines for Exceptions only
            error = rewrite_traceback_stack()
        filename, line = _template_frame(error, template.filename)
        raise _error(env, filename, line, f"the template is too costly: {_what(error)}")
    except Exception as error:  # noqa: BLE001 - whatever a user's template makes Python raise
        if template is None:  # Jinja computes constant expressions while compiling
            raise _error(env, _source_path(env, name), 1,
                         f"cannot compile the template: {type(error).__name__}: {error}")
        filename, line = _template_frame(error, template.filename)
        raise _error(env, filename, line, f"{type(error).__name__}: {error}")


def _filename(env: jinja2.Environment, template: jinja2.Template | None, name: str) -> str:
    if template is not None and template.filename:
        return template.filename
    return _source_path(env, name)


def source(env: jinja2.Environment, name: str) -> str:
    """The text of template `name` as the loader finds it; BookError when it cannot be read
    (a link out of the book, a device) or does not exist."""
    assert env.loader is not None
    try:
        return env.loader.get_source(env, name)[0]
    except jinja2.TemplateNotFound:
        raise BookError(f"template {name!r} not found") from None
    except _UnsafeFile as error:
        raise _error(env, error.path, 1, f"unsafe template: {error}") from None


def _source_path(env: jinja2.Environment, name: str) -> str:
    """The file template `name` is read from (its name when that cannot be known)."""
    try:
        return (env.loader.get_source(env, name)[1] if env.loader else None) or name
    except jinja2.TemplateNotFound:
        return name


def _what(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "it calls itself without end (recursion)"
    if isinstance(error, MemoryError):
        return f"it needs more than {RENDER_MEMORY >> 20} MB of memory"
    return str(error) or type(error).__name__


@contextlib.contextmanager
def _bounded() -> Iterator[None]:
    """Stop a render that takes longer than `RENDER_SECONDS` or grows the process by more
    than `RENDER_MEMORY`. The timer needs the main thread (signals); elsewhere only the
    memory bound and the operator checks apply."""
    with contextlib.ExitStack() as stack:
        if threading.current_thread() is threading.main_thread():
            stack.enter_context(_time_limit(RENDER_SECONDS))
        stack.enter_context(_memory_limit(RENDER_MEMORY))
        yield


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    armed = [True]

    def expired(signum: int, frame: Any) -> None:
        if armed[0]:
            raise TemplateTooCostly(f"it ran for more than {seconds:g} seconds")

    if signal.getitimer(signal.ITIMER_REAL)[0]:  # someone else's timer runs: leave it alone
        yield
        return
    previous = signal.signal(signal.SIGALRM, expired)
    # Fires again each second should anything catch the first one (not sooner: a tick
    # landing while the first one unwinds the template's generators would be lost noise).
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        while True:  # a last tick may land in here: disarm, whatever it raises
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except TemplateTooCostly:
                continue


@contextlib.contextmanager
def _memory_limit(extra: int) -> Iterator[None]:
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        used = _address_space()
    except (OSError, ValueError, AttributeError):  # not Linux: the other bounds still apply
        yield
        return
    wanted = used + extra
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        yield
        return
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


_STATM: dict[int, tuple[int, tuple[int, int]]] = {}  # pid -> its open statm, (device, inode)


def _address_space() -> int:
    """Bytes of address space the process has (/proc/self/statm). The file stays open:
    opening it was half of what a render's bounds cost. An open file names the process that
    opened it, so a forked worker opens its own (and leaves its parent's alone)."""
    pid = os.getpid()
    kept = _STATM.get(pid)
    if kept is not None:
        fd, identity = kept
        try:
            stat = os.fstat(fd)
            if (stat.st_dev, stat.st_ino) == identity:  # not closed and the number reused
                return int(os.pread(fd, 256, 0).split()[0]) * resource.getpagesize()
        except (OSError, ValueError, IndexError):
            pass
        del _STATM[pid]
    with open("/proc/self/statm", encoding="ascii") as handle:
        used = int(handle.read().split()[0]) * resource.getpagesize()
    fd = os.open(f"/proc/{pid}/statm", os.O_RDONLY | os.O_CLOEXEC)
    stat = os.fstat(fd)
    _STATM[pid] = (fd, (stat.st_dev, stat.st_ino))
    return used


def _template_frame(error: BaseException, fallback: str | None) -> tuple[str, int]:
    """The innermost traceback frame that belongs to a template file.

    Jinja rewrites tracebacks so that template code shows as frames of the template file
    with the template's line numbers; the last such frame is where the error happened.
    """
    found = (fallback or "<template>", 1)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename and not frame.filename.endswith(".py") and Path(frame.filename).is_file():
            found = (frame.filename, frame.lineno or 1)
    return found


def _error(env: jinja2.Environment, filename: str, line: int | None, message: str) -> BookError:
    path = _display_path(filename, getattr(env, "display_base", None))
    problem = Problem(path, line or 1, message)
    return BookError(f"template {path} cannot be rendered: {problem}", [problem])


def _display_path(filename: str, base: Path | None) -> str:
    if base is not None:
        for path, folder in ((Path(filename).absolute(), base.absolute()),
                             (Path(filename).resolve(), base.resolve())):
            try:
                return path.relative_to(folder).as_posix()
            except ValueError:
                pass
    return filename
