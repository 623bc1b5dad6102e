"""Teaching kit: student copies of the notebooks and one parameterised notebook per student.

* :func:`student_copy` removes every cell tagged ``solution`` and puts an empty "your answer here"
  cell in its place (the exercise prompts stay), clears outputs and execution counts and sets the
  kernel to the standard ``python3``, so the copy runs anywhere the lab is installed.
* :func:`roster_copies` reads a roster CSV (a ``student_id`` column and one column per notebook
  parameter, e.g. ``seed`` or ``calibration_end``) and writes one student copy per row with those
  values injected by Papermill, so every student works on their own variant of the exercise.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd

from .studies import StudyError, declared_parameters

__all__ = ["ANSWER_PROMPT", "roster_copies", "student_copy"]

ANSWER_PROMPT = "# Your answer here\n"
_KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _strip(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cells = []
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution" in tags:
            answer = nbformat.v4.new_code_cell(ANSWER_PROMPT)
            answer.metadata["tags"] = ["answer"]
            cells.append(answer)
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "papermill", "ExecuteTime"):
            cell.metadata.pop(key, None)
        cells.append(cell)
    notebook.cells = cells
    notebook.metadata.pop("papermill", None)
    notebook.metadata["kernelspec"] = dict(_KERNEL)
    return notebook


def student_copy(notebook: str | Path, output: str | Path) -> Path:
    """Write the student version of ``notebook`` to ``output`` (a file, or a folder to put it in)."""
    source = Path(notebook)
    if not source.is_file():
        raise FileNotFoundError(f"no notebook {source}")
    target = Path(output)
    if target.suffix != ".ipynb":
        target = target / source.name
    if target.resolve() == source.resolve():
        raise ValueError(f"the student copy would overwrite its source {source}; choose another folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_strip(nbformat.read(source, as_version=4)), target)
    return target


def _safe_name(value) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(value)).strip("._")
    if not name:
        raise StudyError(f"student_id {value!r} cannot name a file")
    return name


def roster_copies(notebook: str | Path, roster: str | Path | pd.DataFrame, output_dir: str | Path) -> list[Path]:
    """One student copy of ``notebook`` per roster row, with that row's parameter values injected.

    The roster needs a ``student_id`` column (unique); every other column must be a parameter the
    notebook declares. Values keep their CSV types (numbers stay numbers; write dates as text).
    """
    import papermill

    source = Path(notebook)
    table = pd.read_csv(roster, dtype={"student_id": str}) if not isinstance(roster, pd.DataFrame) else roster
    if "student_id" not in table.columns:
        raise StudyError(f"the roster needs a student_id column; it has {list(table.columns)}")
    duplicated = table["student_id"][table["student_id"].duplicated()].tolist()
    if duplicated:
        raise StudyError(f"student ids must be unique; repeated: {duplicated}")
    declared = declared_parameters(source)
    unknown = [c for c in table.columns if c != "student_id" and c not in declared]
    if unknown:
        raise StudyError(f"roster columns {unknown} are not parameters of {source.name}; "
                         f"it declares {', '.join(declared)}")
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for row in table.to_dict(orient="records"):
        student = _safe_name(row.pop("student_id"))
        values = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if not pd.isna(v)}
        prepared = folder / f".{source.stem}_{student}.prepared.ipynb"
        papermill.execute_notebook(str(source), str(prepared), parameters=values, prepare_only=True,
                                   kernel_name="python3", progress_bar=False)
        written.append(student_copy(prepared, folder / f"{source.stem}_{student}.ipynb"))
        prepared.unlink()
    return written
