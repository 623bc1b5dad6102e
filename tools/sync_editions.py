"""Copy the code cells of the English notebooks into their Chinese editions (notebooks/zh/), keeping the Chinese prose.

    .venv/bin/python tools/sync_editions.py [notebooks/03_segmentation.ipynb ...]   # default: NN_ and NNx_ notebooks

The two editions share their code cell by cell (tests/test_editions.py checks it); only the ``lang = "en"`` line of
the parameters cell differs. After changing code in an English notebook, run this, then
tools/refresh_checked_outputs.py on the Chinese notebook, and review the diff. Markdown is never touched: prose is
written, not translated, by a person.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LANG_LINE = re.compile(r'^lang = "en"', re.MULTILINE)


def chinese_code(source: str) -> str:
    """The Chinese edition's version of an English code cell: only the language parameter changes."""
    return LANG_LINE.sub('lang = "zh"', source)


def sync(english: Path) -> bool:
    """Copy ``english``'s code cells into its Chinese edition; False when the edition does not exist yet."""
    chinese = NOTEBOOKS / "zh" / english.name
    if not chinese.is_file():
        return False
    source, target = (nbformat.read(p, as_version=4) for p in (english, chinese))
    english_code = [c for c in source.cells if c.cell_type == "code"]
    chinese_code_cells = [c for c in target.cells if c.cell_type == "code"]
    if len(english_code) != len(chinese_code_cells):
        raise SystemExit(f"{chinese}: {len(chinese_code_cells)} code cells, the English edition has "
                         f"{len(english_code)}; add or remove cells in the Chinese edition first")
    for theirs, ours in zip(english_code, chinese_code_cells, strict=True):
        if ours.source != chinese_code(theirs.source):
            ours.source = chinese_code(theirs.source)
            ours.metadata["tags"] = list(theirs.metadata.get("tags", []))
            ours.outputs = []
    nbformat.write(target, chinese)
    return True


if __name__ == "__main__":
    paths = [Path(a) for a in sys.argv[1:]] or sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb"))  # 04_…, 04b_…
    for path in paths:
        print(f"{path.name}: {'synced' if sync(path) else 'no Chinese edition yet'}")
