"""Where the lab keeps its data and reports.

Every path resolves from the project root (the folder that holds ``pyproject.toml``
and ``data/``), never from the working directory, so a notebook run from
``notebooks/``, a Papermill run from ``reports/`` and a test run from the root all
read the same files. Set ``CRMLAB_ROOT`` to point the lab at another checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "RAW_DATA", "PROCESSED_DATA", "REPORTS", "NOTEBOOKS"]


def _find_project_root() -> Path:
    override = os.environ.get("CRMLAB_ROOT")
    if override:
        return Path(override).expanduser().resolve()
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir.parent, *package_dir.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "data").is_dir():
            return candidate
    return Path.cwd().resolve()


PROJECT_ROOT: Path = _find_project_root()
RAW_DATA: Path = PROJECT_ROOT / "data" / "raw"
PROCESSED_DATA: Path = PROJECT_ROOT / "data" / "processed"
REPORTS: Path = PROJECT_ROOT / "reports"
NOTEBOOKS: Path = PROJECT_ROOT / "notebooks"
