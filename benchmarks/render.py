"""What one letter costs to render, in total and by part: the rendering side of `advance`.

    python benchmarks/render.py [--debtors 300] [--rounds 5]
    PYTHONPATH=/path/to/other/checkout python benchmarks/render.py   # the same, another version

Builds advance.py's book (every case has its email reminder due: a Markdown letter, the
printable HTML page, an `.eml` with text and HTML parts and a QR PNG), finds the due actions
and times `casebook.letters.letter.render_action` on each, nothing written or committed.
`--rounds` passes over all the letters (each letter once a pass, as in a real run, so no
cache sees the same letter twice in a row); the best pass counts, in wall time and in the
process's CPU time (less disturbed by other work on the machine).

Then one more pass with each part's functions wrapped in a timer, which charges a part its
own time only (a part called inside another is taken out of the outer one):

- statement / claim: the amounts (`statement_for`) and the template's names (`letter_context`);
- template render: the Jinja renders (letter, dateline, printable page), money and dates
  formatted by the filters included;
- Markdown parse, HTML, plain text: parsing the letter once, writing it as HTML and as text;
- QR: encoding the EPC symbol and drawing its SVG and PNG;
- email assembly: the `.eml` around those parts (headers, MIME, encodings).

The parts are found by function name, so the same script measures an older checkout too
(run it with PYTHONPATH at that checkout): before and after figures are comparable when
taken on the same machine, one right after the other.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This checkout last, not first as advance.py puts it: PYTHONPATH picks the casebook measured.
sys.path[:] = [str(HERE), *sys.path[1:], str(HERE.parent)]
import casebook  # noqa: E402, F401 - before advance.py puts this checkout first
from advance import TODAY, make_book  # noqa: E402

# part -> (module, function) whose own time makes it; a function missing in the checkout
# measured is skipped.
PARTS = {
    "statement / claim": [("casebook.letters.statement", "statement_for"),
                          ("casebook.letters.context", "letter_context")],
    "template render": [("casebook.letters.templating", "render")],
    "Markdown parse": [("casebook.letters.markup", "tokens")],
    "HTML": [("casebook.letters.markup", "markdown_to_html")],
    "plain text": [("casebook.letters.plaintext", "markdown_to_text")],
    "QR": [("casebook.letters.letter", "_qr"), ("casebook.letters.email", "_qr_png")],
    "email assembly": [("casebook.letters.email", "build_email")],
}


class _Clock:
    """Own time by part: a timer stack, so a nested part's time leaves its caller's."""

    def __init__(self) -> None:
        self.own: dict[str, float] = dict.fromkeys(PARTS, 0.0)
        self.stack: list[list] = []

    def wrap(self, part: str, function):
        def timed(*args, **kwargs):
            frame = [part, 0.0]  # part, time of the parts nested in this call
            self.stack.append(frame)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.stack.pop()
                self.own[part] += spent - frame[1]
                if self.stack:
                    self.stack[-1][1] += spent
        timed.__wrapped__ = function
        return timed


def _instrument(clock: _Clock) -> list[tuple[object, str, object]]:
    """Wrap each part's function wherever casebook holds it (`from x import f` copies
    included); returns what to put back."""
    targets = {}
    for part, names in PARTS.items():
        for module_name, attribute in names:
            module = importlib.import_module(module_name)
            function = getattr(module, attribute, None)
            if function is not None:
                targets[id(function)] = (function, clock.wrap(part, function))
    undo = []
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("casebook"):
            continue
        for attribute, value in list(vars(module).items()):
            if id(value) in targets and targets[id(value)][0] is value:
                undo.append((module, attribute, value))
                setattr(module, attribute, targets[id(value)][1])
    return undo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from casebook.book.check import check
    from casebook.engine.due import due_actions
    from casebook.letters import email, letter, markup, plaintext  # noqa: F401 - wrapped below

    scratch = Path(tempfile.mkdtemp(prefix="casebook-render-"))
    try:
        root = scratch / "book"
        make_book(root, args.debtors)
        book, problems = check(root)
        assert not problems, problems[:5]
        dues = due_actions(book, TODAY)
        cases = [book.cases[due.case_id] for due in dues]
        assert all(str(due.channel) == "email" for due in dues)

        def one_pass() -> float:
            started = time.perf_counter()
            for case, due in zip(cases, dues):
                letter.render_action(book, case, due, book_root=root)
            return time.perf_counter() - started

        one_pass()  # templates compiled, modules loaded, caches warm as in a long run
        gc.collect()
        passes, cpu = [], []
        for _ in range(args.rounds):
            started = time.process_time()
            passes.append(one_pass())
            cpu.append(time.process_time() - started)
        per_letter = min(passes) / len(dues) * 1000

        clock = _Clock()
        undo = _instrument(clock)
        try:
            instrumented = one_pass()
        finally:
            for module, attribute, value in undo:
                setattr(module, attribute, value)

        print(f"casebook from {Path(casebook.__file__).parent}")
        print(f"{len(dues)} email letters (md + html + eml with QR), best of {args.rounds} passes: "
              f"{per_letter:.2f} ms per letter (median "
              f"{statistics.median(passes) / len(dues) * 1000:.2f} ms; CPU time, best pass: "
              f"{min(cpu) / len(dues) * 1000:.2f} ms, steadier on a busy machine)")
        print(f"\nby part (one timed pass, {instrumented / len(dues) * 1000:.2f} ms per letter "
              f"with the timers):\n")
        print("| part | ms per letter | share |")
        print("|---|---:|---:|")
        for part, seconds in [*clock.own.items(),
                              ("other (letter assembly, files)", instrumented - sum(clock.own.values()))]:
            print(f"| {part} | {seconds / len(dues) * 1000:.3f} | {seconds / instrumented:.0%} |")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
