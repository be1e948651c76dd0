"""The wheel carries everything an installed casebook needs: policies, letters, site, cases."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return next(out.glob("casebook-*.whl"))


def test_wheel_holds_the_shipped_folders(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("cases", "policies", "site_templates"):
        assert any(n.startswith(f"casebook/_shipped/{folder}/") for n in names), folder
    assert "casebook/_shipped/casebook.yaml" in names
    assert any(n.startswith("casebook/data/schemas/") for n in names)
    # The PDF letters' stylesheet and the fonts they embed, with the fonts' license.
    for asset in ("print.css", "fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf", "fonts/LICENSE"):
        assert f"casebook/letters/letter_assets/{asset}" in names, asset
    assert not any("/tests/" in n or n.startswith("tests/") for n in names)


def test_installed_wheel_creates_and_checks_a_demo_book(wheel, tmp_path):
    target = tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True)
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    where = subprocess.run([sys.executable, "-c", "import casebook; print(casebook.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(target)), "the test must run the installed copy"
    book = tmp_path / "book"
    run = subprocess.run([sys.executable, "-m", "casebook", "init", "--demo", str(book)],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (book / "policies" / "standard.yaml").is_file()
    assert any((book / "cases").iterdir())
    check = subprocess.run([sys.executable, "-m", "casebook", "check"], cwd=book, env=env,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
