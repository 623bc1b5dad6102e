"""The textbook chapters the tests quote, from ../shared/textbook (outside the repository)."""

from __future__ import annotations

from functools import cache

import pytest

import crmlab as cl

TEXTBOOK = cl.paths.PROJECT_ROOT.parent / "shared" / "textbook"
FILES = {"000": "000_b53c354021b9c545.txt", "001": "001_e88a505ce8cd4f2f.txt", "002": "002_cd1ea960a950c0e9.txt",
         "003": "003_df8348b69250ca4c.txt", "004": "004_5f017fe63ec7da1c.txt"}


@cache
def chapter_text(file_id: str) -> str:
    """The text of chapter ``file_id`` ("003"); the test is skipped when ../shared/textbook is not beside us."""
    if not TEXTBOOK.is_dir():
        pytest.skip(f"the textbook chapters are not at {TEXTBOOK} (they live in ../shared, outside the repository)")
    return (TEXTBOOK / FILES[file_id]).read_text(encoding="utf-8")
