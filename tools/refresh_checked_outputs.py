"""Re-execute notebooks and store only the outputs that nbval checks (cells starting with # NBVAL_CHECK_OUTPUT).

    .venv/bin/python tools/refresh_checked_outputs.py notebooks/00_index.ipynb [more notebooks]

Every other cell is stored without outputs (tests/test_notebooks.py keeps notebooks small). Run it after a change
that legitimately changes a checked output, then review the diff: the stored output is the expectation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def refresh(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, kernel_name="python3", timeout=600, record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in notebook.cells:
        if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" not in cell.source:
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(notebook, path)


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        refresh(Path(argument))
        print(f"refreshed {argument}")
