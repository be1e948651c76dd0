"""Where the files shipped with casebook live: inside the wheel, or in the source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def shipped(name: str) -> Path:
    """The shipped folder `name` (`cases`, `policies`, `site_templates`).

    A wheel carries them under `casebook/_shipped/`; a source checkout (or an editable
    install) has them at the top of the repository.
    """
    for base in (_PACKAGE / "_shipped", _PACKAGE.parent):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"casebook is installed without its {name}/ folder")


def data(name: str) -> Path:
    """A data file of the package itself (rate tables, JSON Schemas)."""
    return _PACKAGE / "data" / name
