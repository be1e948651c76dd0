"""A sandboxed Jinja environment for templates that users edit (letters, the site).

Templates live in the book and anybody with write access to it can change them, so they
are rendered in Jinja's immutable sandbox: no attribute that starts with an underscore
(`__class__`, `__globals__`, ...), no method that mutates a value. The sandbox normally
returns a silent "undefined" for an unsafe attribute and only fails when it is printed;
here touching one fails at once, so a hostile or broken template never renders half a
letter. Every failure becomes a `BookError` naming the template file and line.

A book overrides a shipped template by putting a file with the same name in its own
folder (a `ChoiceLoader`: the book first, the shipped folder second).
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .errors import BookError, Problem


class _StrictSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, failing on the first touch of an unsafe attribute."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is not allowed"
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
        [jinja2.FileSystemLoader(str(folder)) for folder in folders if folder.is_dir()]
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


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render template `name`; any failure is a `BookError` at the template's file and line."""
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as error:
        raise BookError(f"template {error.name!r} not found") from None
    except jinja2.TemplateSyntaxError as error:
        raise _error(env, error.filename or name, error.lineno, error.message or "syntax error")
    try:
        return template.render(dict(context))
    except jinja2.TemplateSyntaxError as error:  # an {% include %} that does not parse
        raise _error(env, error.filename or name, error.lineno, error.message or "syntax error")
    except SecurityError as error:
        filename, line = _template_frame(error, template.filename)
        raise _error(env, filename, line, f"unsafe template: {error}")
    except jinja2.TemplateError as error:  # undefined variables, bad filters, ...
        filename, line = _template_frame(error, template.filename)
        raise _error(env, filename, line, error.message or type(error).__name__)
    except (TypeError, ValueError, ArithmeticError, LookupError) as error:
        filename, line = _template_frame(error, template.filename)
        raise _error(env, filename, line, f"{type(error).__name__}: {error}")


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
        try:
            return Path(filename).resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return filename
