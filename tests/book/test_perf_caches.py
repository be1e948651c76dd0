"""Caches and fast paths added for speed give exactly what the slow paths give.

Each fast path (rate tables read once per change, QR PNG/SVG writers, the email header
cache, ...) is checked against the plain computation it replaces, and each cache against an
edit of the files it depends on.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

from casebook.book.rates import load_tables, rate_on


def _write_rates(root, rate: str) -> None:
    (root / "rates").mkdir(exist_ok=True)
    (root / "rates" / "be-commercial.yaml").write_text(
        f"rates:\n  - {{from: 2026-07-01, rate: '{rate}', source: 'test'}}\n", encoding="utf-8"
    )


def test_rate_tables_are_read_again_after_an_edit(tmp_path):
    (tmp_path / "casebook.yaml").write_text("language: nl\n", encoding="utf-8")
    _write_rates(tmp_path, "9.5")
    first, problems = load_tables(tmp_path)
    assert problems == []
    assert load_tables(tmp_path)[0] is first  # unchanged files: not read again
    assert rate_on(first["be-commercial"], date(2026, 8, 1)) == Decimal("9.5")

    _write_rates(tmp_path, "8.25")  # same size: the stat times and inode tell
    os.utime(tmp_path / "rates" / "be-commercial.yaml", ns=(1, 1))
    second, _ = load_tables(tmp_path)
    assert rate_on(second["be-commercial"], date(2026, 8, 1)) == Decimal("8.25")

    (tmp_path / "rates" / "nl-commercial.yaml").write_text("rates: [\n", encoding="utf-8")
    third, problems = load_tables(tmp_path)
    assert any(p.path == "rates/nl-commercial.yaml" for p in problems)
    problems.clear()  # a caller changing its list does not change the cache
    assert load_tables(tmp_path)[1]

    (tmp_path / "casebook.yaml").write_text("rates: {folder: other}\n", encoding="utf-8")
    (tmp_path / "other").mkdir()
    _write_rates(tmp_path / "other", "7.0")
    (tmp_path / "other" / "rates" / "be-commercial.yaml").rename(tmp_path / "other" / "be-commercial.yaml")
    fourth, problems = load_tables(tmp_path)
    assert problems == []
    assert fourth.overridden == ("other/be-commercial.yaml",)
    assert rate_on(fourth["be-commercial"], date(2026, 8, 1)) == Decimal("7.0")


def test_qr_png_and_svg_are_segnos_bytes():
    """casebook.money.qr draws the PNG and SVG itself, row by row; segno's writers are the reference."""
    import io
    import random

    from casebook.money import qr

    rng = random.Random(7)
    payloads = ["x", "BCD\n002\n1\nSCT\n\nStudio Noord BV\nBE68539007547034\nEUR100.50"]
    payloads += ["".join(rng.choice("ABCxyz0123456789 \n+/€é") for _ in range(rng.randint(1, 150)))
                 for _ in range(40)]
    title = 'Scan <&> "to pay"'
    for payload in payloads:
        code = qr.epc_code(payload)
        for scale in (1, 3, 4):
            out = io.BytesIO()
            code.save(out, kind="png", scale=scale)
            assert qr.epc_png(code, scale=scale) == out.getvalue()
            reference = code.svg_inline(scale=scale, title=title, svgclass="epc-qr",
                                        lineclass=None, light="#fff", dark="#000")
            assert qr._svg_inline(code, scale=scale, title=title) == reference


def test_emails_are_the_bytes_email_policy_smtp_writes(monkeypatch):
    """mail.EMAIL_POLICY remembers parsed and folded headers and `_mime` writes the MIME
    tree directly; the bytes are those of the email package's own calls with the standard
    policy, also for names and subjects that need encoding or folding."""
    from email import policy
    from pathlib import Path

    from casebook.letters import letter as letters
    from casebook.letters import email as mail

    from ..letters.test_support import action, make_book, make_case

    cases = [
        make_case(),
        make_case(name="Brasserie Œuf & Café ‘Lièvre’ SRL", contact=""),
        make_case(contact='Jean "Jeannot" Dupont, gérant', email="jean@dupont.be, compta@dupont.be"),
        make_case(name="Bakkerij " + "Zeer Lange Naam " * 8 + "BV", contact=""),
        make_case(contact="Ζωή Παπαδοπούλου", email="zoe@example.gr; z2@example.gr"),
    ]
    acts = [action(), action("thanks", stage="thanks", kind="thanks", deadline=None),
            action(when=action().date.replace(day=23))]

    def build() -> list[bytes]:
        out = []
        for case in cases:
            for act in acts:
                files = letters.render_action(make_book(case), case, act, book_root=Path("/none"))
                out += [data for name, data in sorted(files.items()) if name.endswith(".eml")]
        return out

    fast = build()
    fast_again = build()  # now from the caches
    monkeypatch.setattr(mail, "_FAST_MIME", False)  # set_content, add_alternative, ...
    assert fast == fast_again == build()
    monkeypatch.setattr(mail, "EMAIL_POLICY", policy.SMTP)
    assert fast == build()
    assert len(fast) == len(cases) * len(acts)
    assert sum(b"image/png" in eml for eml in fast) == len(cases) * 2  # with and without QR


def test_email_bodies_of_every_encoding_are_the_email_packages(monkeypatch):
    """7bit, 8bit, quoted-printable and base64 bodies (the email package chooses from the
    text), with and without a QR code: `_mime` writes what its own calls write."""
    import dataclasses
    from pathlib import Path

    from casebook.letters import letter as letters
    from casebook.letters import email as mail

    from ..letters.test_support import action, make_book, make_case

    case = make_case()
    book = make_book(case)
    base = letters.render_letter(book, case, action(), book_root=Path("/none"))
    bodies = [
        "# Subject\n\nShort ASCII.\n",
        "# Onderwerp\n\nKorte regels met € en é.\n" * 3,
        "# Long\n\n" + "A very long line of plain ASCII text that goes on. " * 6 + "\n",
        "# Lang\n\n" + "Eine sehr lange Zeile mit Umlauten: äöü ß " * 6 + "\n" * 12,
        "# Ελληνικά\n\n" + "Καλημέρα σας, αυτή είναι μια επιστολή. " * 8 + "\n",
        "No heading at all\r\nand a carriage return\n\n\n",
    ]
    for body in bodies:
        for payload in ("", base.qr_payload):
            letter = dataclasses.replace(base, markdown=body, body_html=f"<p>{body}</p>\n",
                                         qr_payload=payload)
            monkeypatch.setattr(mail, "_FAST_MIME", True)
            fast = mail.build_email(book, case, action(), letter)
            monkeypatch.setattr(mail, "_FAST_MIME", False)
            assert fast == mail.build_email(book, case, action(), letter), body


def test_a_batch_that_reads_its_trees_ahead_makes_the_same_commits(tmp_path):
    """Batch.prefetch reads the trees of the folders about to change in one pass, and files
    staged elsewhere (written beside their paths, their blobs prepared: what advance's
    workers do) go into the pack as they are and are renamed into place, a path staged
    twice in one flush included; the commits are those of a batch that reads, packs and
    writes everything itself, and no temporary is left."""
    import subprocess
    from datetime import datetime, timedelta, timezone

    from casebook.record.gitpack import prepare_blob
    from casebook.record.gitstore import Store
    from casebook.record.gitworktree import Staged, stage_file
    from casebook.book.model import Operator

    when = datetime(2026, 11, 24, 6, 30, tzinfo=timezone(timedelta(hours=1)))
    heads = []
    for prefetch in (False, True):
        root = tmp_path / f"book-{prefetch}"
        root.mkdir()
        env = {**os.environ, "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+01:00"}
        run = lambda *args: subprocess.run(["git", *args], cwd=root, check=True,  # noqa: E731
                                           capture_output=True, text=True, env=env).stdout
        run("init", "-q", "-b", "main")
        for case in ("acme", "bolt", "cora", "dune"):
            (root / "cases" / case / "actions").mkdir(parents=True)
            (root / "cases" / case / "debtor.yaml").write_text(f"name: {case}\n")
            (root / "cases" / case / "actions" / "old.md").write_text("old\n")
        run("add", "-A")
        run("-c", "user.name=A", "-c", "user.email=a@x", "commit", "-q", "-m", "start",
            "--date", "2026-01-01T00:00:00+01:00")
        store = Store(root)
        with store.batch() as batch:
            if prefetch:  # also a folder that does not exist, one without actions/, a file
                batch.prefetch(["cases/acme/actions", "cases/bolt/actions", "cases/none/x",
                                "cases/cora/actions", "cases/dune/debtor.yaml", "cases/bolt"])
            for n, case in enumerate(("acme", "bolt", "acme", "cora", "dune", "bolt")):
                files = {f"cases/{case}/actions/2026-11-24-r{n}.md": f"{n}\n".encode(),
                         f"cases/{case}/actions/old.md": b"old\n" if n % 2 else None}
                if prefetch:  # staged ahead, as advance's workers do, all but the deletions
                    files = {rel: data if data is None else
                             Staged(stage_file(root / rel, data), prepare_blob(data))
                             for rel, data in files.items()}
                batch.commit(files, f"{case}: {n}", author=Operator("Robot", "r@x"), when=when)
        heads.append(run("rev-parse", "HEAD"))
        assert run("status", "--porcelain", "--untracked-files=all") == ""
        assert (root / "cases/bolt/actions/old.md").read_text() == "old\n"
    assert heads[0] == heads[1]


def test_whole_cases_from_the_load_cache_see_every_edit(make_book):
    """load_book keeps whole cases under the stat of their files: an edit in place, a new
    file, a removed one, a letter file and a problem all come through; fingerprints change
    exactly when a file of the case changes."""
    from casebook.book.load import load_book

    root = make_book({"cases/janssens/payments/p.yaml": "date: 2026-10-02\namount: 1\n",
                      "cases/other/debtor.yaml": "name: Other BV\n"})
    prints: dict[str, str] = {}
    first = load_book(root, fingerprints=prints)
    assert first.problems == [] and set(prints) == {"janssens", "other"}

    again: dict[str, str] = {}
    assert load_book(root, fingerprints=again).book == first.book and again == prints

    payment = root / "cases/janssens/payments/p.yaml"
    payment.write_text("date: 2026-10-02\namount: 7\n")  # same size
    os.utime(payment, ns=(1, 1))
    edited: dict[str, str] = {}
    book = load_book(root, fingerprints=edited).book
    assert book.cases["janssens"].payments[0].amount == 7
    assert edited["janssens"] != prints["janssens"] and edited["other"] == prints["other"]

    (root / "cases/janssens/payments/q.yaml").write_text("date: 2026-10-03\namount: -1\n")
    loaded = load_book(root)
    assert [str(p) for p in loaded.problems] == [
        "cases/janssens/payments/q.yaml:2: `amount`: -1 must be more than 0"]
    assert [str(p) for p in load_book(root).problems] == [  # the problem is cached with the case
        "cases/janssens/payments/q.yaml:2: `amount`: -1 must be more than 0"]

    (root / "cases/janssens/payments/q.yaml").unlink()
    letter = root / "cases/janssens/actions/2026-10-05-reminder.md"
    letter.parent.mkdir()
    letter.write_text("Dear customer\n")
    lettered: dict[str, str] = {}
    loaded = load_book(root, fingerprints=lettered)
    assert loaded.problems == [] and len(loaded.book.cases["janssens"].payments) == 1
    assert lettered["janssens"] != edited["janssens"]
    assert load_book(root, cache=False).book == loaded.book


def test_a_warm_load_leaves_the_load_cache_as_it_is(make_book):
    """After the first load, loading an unchanged book writes nothing: the cache a cold load
    keeps is the one a warm load uses (rewriting it made the second run the slowest)."""
    from casebook.book.load import load_book

    root = make_book({"cases/other/debtor.yaml": "name: Other BV\n"})
    load_book(root)
    folder = root / ".git" / "casebook"
    kept = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
            for p in folder.glob("load-cache*")}
    assert kept
    load_book(root)
    load_book(root)
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
            for p in folder.glob("load-cache*")} == kept


def _site_files(out):
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and not p.name.startswith(".casebook-")}


def test_site_rebuilds_from_the_build_cache_give_the_pages_of_a_fresh_build(tmp_path):
    """The site keeps each case's summary, portfolio row, forecast part and letters in its
    build cache (.git/casebook/); after edits (committed or not, in place, of a letter, of
    the rates), a rebuild from that cache writes exactly what a build without it writes."""
    import shutil
    from datetime import date

    from casebook.site import build_site

    from ..site.test_site import TODAY, commit_files, write_site_book

    root = write_site_book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(root, out=out, today=TODAY)
    assert list((root / ".git" / "casebook").glob("site-*.pickle"))

    def same_as_fresh(today=TODAY) -> dict[str, bytes]:
        built = build_site(root, out=out, today=today)
        fresh_out = tmp_path / "fresh"
        shutil.rmtree(fresh_out, ignore_errors=True)
        shutil.rmtree(root / ".git" / "casebook", ignore_errors=True)  # no cache at all
        build_site(root, out=fresh_out, today=today)
        assert _site_files(out) == _site_files(fresh_out)
        return built.report

    commit_files(root, "Wim Vanhove", "2026-11-23T09:00:00+01:00", "Peeters paid", {
        "cases/peeters/payments/2026-11-23.yaml": 'date: 2026-11-23\namount: "800.00"\n'})
    report = same_as_fresh()
    assert "debtors/peeters.html" in report.written and "debtors/janssens.html" in report.skipped

    payment = root / "cases/peeters/payments/2026-11-23.yaml"  # edited in place, not committed
    payment.write_text('date: 2026-11-23\namount: "700.00"\n', encoding="utf-8")
    os.utime(payment, ns=(1, 1))
    assert "debtors/peeters.html" in same_as_fresh().written

    letter = next((root / "cases/janssens/actions").glob("*.html"))
    letter.write_text(letter.read_text(encoding="utf-8").replace("</body>", "<p>PS</p></body>"),
                      encoding="utf-8")
    assert f"debtors/janssens/{letter.name}" in same_as_fresh().written

    (root / "rates").mkdir()
    (root / "rates" / "be-commercial.yaml").write_text(
        "rates:\n  - {from: 2025-01-01, rate: '33.0', source: 'test'}\n", encoding="utf-8")
    report = same_as_fresh()
    assert "debtors/janssens.html" not in report.skipped  # a claim may change: drawn again

    same_as_fresh(date(2026, 12, 1))
    for cache in (root / ".git" / "casebook").glob("site-*.pickle"):
        cache.write_bytes(b"not a pickle")
    same_as_fresh()


def test_the_command_line_imports_only_the_module_of_the_command_it_runs(tmp_path):
    """`casebook site` does not import what `casebook import` or `export` need (start-up time);
    commands in a module of another name, --help and main.commands still find them all."""
    import subprocess
    import sys

    code = (
        "import sys, casebook.cli as c\n"
        "assert 'casebook.site' not in sys.modules and 'casebook.imports' not in sys.modules\n"
        "c.main.get_command(None, 'site')\n"
        "assert 'casebook.site' in sys.modules and 'casebook.imports' not in sys.modules\n"
        "assert c.main.get_command(None, 'pay') is not None  # casebook/cli/record.py\n"
        "assert {'site', 'advance', 'check', 'export', 'import', 'pay'} <= set(c.main.commands)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_one_case_history_from_the_cache_is_that_case_of_the_whole_history(tmp_path):
    """read_case_history parses only the cached log entries that name the folder; it gives
    exactly read_history(...).for_case(...), also when a message names the folder or another
    case's id starts with this one's."""
    import subprocess

    from casebook.record.history import read_case_history, read_history

    root = tmp_path / "book"
    root.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=A", "-c", "user.email=a@x", *args], cwd=root,
                       check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    steps = [
        ({"cases/acme/debtor.yaml": "name: Acme\n"}, "acme: start"),
        ({"cases/acme-2/debtor.yaml": "name: Acme 2\n"}, "acme-2: start"),
        ({"cases/bolt/debtor.yaml": "name: Bolt\n"}, "bolt: see cases/acme/debtor.yaml"),
        ({"cases/acme/notes/a.md": "x\n", "cases/bolt/notes/b.md": "y\n"}, "both"),
        ({"README.md": "cases/acme/\n"}, "readme"),
        ({"cases/acme-2/notes/c.md": "z\n"}, "acme-2 only"),
    ]
    for files, message in steps:
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        git("add", "-A")
        git("commit", "-q", "-m", message)
    whole = read_history(root)  # fills the cache
    for case_id in ("acme", "acme-2", "bolt", "none"):
        one = read_case_history(root, case_id)
        assert list(one.commits) == whole.for_case(case_id) and one.head == whole.head
    assert [c.subject for c in read_case_history(root, "acme").commits] == ["acme: start", "both"]


def test_words_of_plain_terms_are_those_of_the_general_rule():
    """mentions._words takes a shortcut for words-and-spaces text; same words as the rule."""
    import random

    from casebook.export import mentions

    rng = random.Random(3)
    alphabet = "abcXYZ09_ éÉİß  .-/:@+\t\nŒ\u0307\u00a0"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert mentions._words(text) == mentions._words_of_tokens(text.lower()), repr(text)


def test_records_written_without_the_yaml_emitter_are_its_bytes():
    """dump.to_yaml writes plain records (short words, dates, amounts, lists of words)
    itself; whatever it writes is exactly yaml.dump's text, quoting included."""
    import random
    from datetime import date
    from decimal import Decimal

    import yaml

    from casebook.book import dump

    def emitted(mapping):
        clean = {k: v for k, v in mapping.items() if v is not None and v != "" and v != [] and v != ()}
        clean = {k: list(v) if isinstance(v, tuple) else v for k, v in clean.items()}
        return yaml.dump(clean, Dumper=dump._Dumper, sort_keys=False, allow_unicode=True,
                         default_flow_style=False, width=100).encode("utf-8")

    words = ["yes", "No", "on", "null", "~", "true", "2026", "0042", "1.5", "1e3", "2026-03-09",
             "2026-0042", "INV-1", "a", "-x", ".5", "0x1f", "1_000", "reminder", "12:30", ".inf",
             "2026-03-09-reminder.eml", "=", "<<", "-", "A" * 90, "x y", "é", "+1", "0b101", "Y"]
    rng = random.Random(1)
    shortcut = 0
    for _ in range(3000):
        record = {}
        for key in rng.sample(["date", "kind", "stage", "balance", "deadline", "invoices", "files",
                               "yes", "2026"], rng.randint(1, 7)):
            roll = rng.random()
            record[key] = (
                rng.choice(words) if roll < 0.3
                else date(2026, rng.randint(1, 12), rng.randint(1, 28)) if roll < 0.45
                else Decimal(rng.randint(-10**6, 10**6)) / 100 if roll < 0.6
                else tuple(rng.choice(words) for _ in range(rng.randint(0, 3))) if roll < 0.8
                else rng.choice([None, "", 5, True])
            )
        assert dump.to_yaml(record) == emitted(record), record
        shortcut += dump._plain_document({k: v for k, v in record.items() if type(v) is not tuple}) is not None
    assert shortcut > 100  # the shortcut was taken often enough to be tested


def test_qr_symbols_are_segnos_for_every_payload_length():
    """casebook.money.qr builds EPC symbols itself (byte mode, level M, fixed mask); for every
    payload length up to the EPC maximum, every version 1-13, the matrix is segno's."""
    import random

    import segno

    from casebook.money import qr

    rng = random.Random(11)
    versions = set()
    for length in range(4, qr.MAX_BYTES + 1, 2):
        payload = "BCD\n" + "".join(rng.choice("ABCxyz0123456789 +/€é\n") for _ in range(length - 4))
        if len(payload.encode("utf-8")) > qr.MAX_BYTES:
            continue
        reference = segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8",
                                  mask=qr.MASK)
        fast = qr._fast_code(payload)
        assert fast is not None and fast.matrix == reference.matrix, length
        assert (fast.version, fast.error, fast.mask, fast.mode) == (
            reference.version, reference.error, reference.mask, reference.mode)
        versions.add(fast.version)
    assert versions == set(range(1, qr.MAX_VERSION + 1))
    assert qr._fast_code("no newline: left to segno") is None


def test_split_pickle_keeps_changes_in_a_delta_and_folds_large_ones(tmp_path):
    """The private caches' store: small changes go to the delta file, large ones make a new
    main file; an unchanged delta is not written again; damage or another version reads as
    empty."""
    from casebook.book.pickled import SplitPickle

    def store(version="v1"):
        return SplitPickle(tmp_path, "c", version)

    first = store()
    assert first.entries == {}
    first.save({f"k{i}": i for i in range(100)})
    main, delta = tmp_path / "c.pickle", tmp_path / "c.delta.pickle"
    assert main.exists() and not delta.exists()

    second = store()
    assert second.entries == {f"k{i}": i for i in range(100)}
    changed = dict(second.entries, k1="one")
    del changed["k2"]
    second.save(changed)
    assert delta.exists()
    main_bytes = main.read_bytes()
    third = store()
    assert third.entries == changed and main.read_bytes() == main_bytes
    stamp = delta.stat().st_mtime_ns, delta.stat().st_ino
    third.save(dict(third.entries))  # the same objects: nothing to write
    assert (delta.stat().st_mtime_ns, delta.stat().st_ino) == stamp

    fourth = store()
    fourth.save({f"n{i}": i for i in range(50)})  # most entries changed: a new main file
    assert not delta.exists() and store().entries == {f"n{i}": i for i in range(50)}
    fourth.save(dict(fourth.entries, n1="one"))  # a second save of the same store
    assert store().entries == dict(fourth.entries) and delta.exists()
    fourth.save(dict(fourth.main))  # back to what the main file holds: no delta left
    assert not delta.exists() and store().entries == {f"n{i}": i for i in range(50)}

    assert store("v2").entries == {}
    main.write_bytes(b"\x80damaged")
    assert store().entries == {}
