"""Handouts: student copies of the notebooks, one per notebook or one per student and notebook.

* :func:`student_copy` removes every cell tagged ``solution`` (code and written model answers) and puts an empty
  "your answer here" cell in its place (the exercise prompts stay), removes the hidden checks (cells tagged
  ``check``), the test markers (``# NBVAL_CHECK_OUTPUT``), every output and execution count, and all notebook and
  cell metadata but the tags, the kernel and the student's identity; the kernel is the standard ``python3``, so the
  copy runs anywhere the lab is installed.
* :func:`roster_copies` reads a roster (CSV/Excel in UTF-8, UTF-8 with BOM or GB18030/GBK, detected as for
  transaction files) with a ``student_id`` column and writes one student copy of each notebook per row: columns the
  notebook declares as parameters are injected by Papermill; ``student_seed`` — the seed of the student's exercise
  variant (:mod:`crmlab.teaching.variants`) — comes from the roster if it has that column, else from the student id;
  every other column (name, class …) is shown in a header cell at the top of the student's notebook.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd

from ..errors import InputNotFoundError, StudyError
from ..studies import declared_parameters
from .variants import student_seed

__all__ = ["ANSWER_PROMPT", "HIDDEN_TAGS", "read_roster", "roster_copies", "student_copy"]

ANSWER_PROMPT = "# Your answer here\n"
HIDDEN_TAGS = ("solution", "check")
_KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
_MARKER = re.compile(r"^[ \t]*# NBVAL_[A-Z_]+[^\n]*\n?", re.MULTILINE)


def _strip(notebook: nbformat.NotebookNode, identity: dict | None = None) -> nbformat.NotebookNode:
    cells = []
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "check" in tags:
            continue
        if "solution" in tags:
            answer = nbformat.v4.new_code_cell(ANSWER_PROMPT)
            answer.metadata["tags"] = ["answer"]
            cells.append(answer)
            continue
        cell.metadata = nbformat.NotebookNode({"tags": list(tags)} if tags else {})
        cell.pop("attachments", None)
        if cell.cell_type == "code":
            cell.source = _MARKER.sub("", cell.source)
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    notebook.cells = cells
    language = notebook.metadata.get("language_info", {})
    notebook.metadata = nbformat.NotebookNode({"kernelspec": dict(_KERNEL)})
    if language.get("name"):
        notebook.metadata["language_info"] = {"name": language["name"]}
    if identity:
        notebook.metadata["crmlab"] = identity
    return notebook


def _target(source: Path, output: str | Path) -> Path:
    target = Path(output)
    if target.suffix != ".ipynb":
        target = target / source.name
    if target.resolve() == source.resolve():
        raise ValueError(f"the student copy would overwrite its source {source}; choose another folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def student_copy(notebook: str | Path, output: str | Path) -> Path:
    """Write the student version of ``notebook`` to ``output`` (a file, or a folder to put it in)."""
    source = Path(notebook)
    if not source.is_file():
        raise InputNotFoundError(f"no notebook {source}")
    target = _target(source, output)
    nbformat.write(_strip(nbformat.read(source, as_version=4)), target)
    return target


def _safe_name(value) -> str:
    name = re.sub(r"[^\w.-]+", "_", str(value)).strip("._")
    if not name:
        raise StudyError(f"student_id {value!r} cannot name a file")
    return name


def read_roster(roster: str | Path | pd.DataFrame, *, encoding: str | None = None) -> pd.DataFrame:
    """The roster as a table with unique text ``student_id`` s and a ``student_seed`` for every student."""
    if isinstance(roster, pd.DataFrame):
        table = roster.copy()
    else:
        from ..reading import read_table

        path = Path(roster)
        if not path.is_file():
            raise InputNotFoundError(f"roster {path} does not exist (working directory: {Path.cwd()})")
        table = read_table(path, text_columns=["student_id"], encoding=encoding).frame
    table.columns = [str(c).strip() for c in table.columns]
    if "student_id" not in table.columns:
        raise StudyError(f"the roster needs a student_id column; it has {list(table.columns)}")
    table = table.dropna(how="all")
    missing = table.index[table["student_id"].isna() | (table["student_id"].astype(str).str.strip() == "")]
    if len(missing):
        raise StudyError(f"{len(missing)} roster row(s) have no student_id (rows {[i + 2 for i in missing[:5]]} of "
                         "the file); fill them in or delete them")
    table["student_id"] = table["student_id"].astype(str).str.strip()
    duplicated = table["student_id"][table["student_id"].duplicated()].tolist()
    if duplicated:
        raise StudyError(f"student ids must be unique; repeated: {duplicated}")
    if "student_seed" in table.columns:
        seeds = pd.to_numeric(table["student_seed"], errors="coerce")
        bad = table.loc[seeds.isna() | (seeds < 0) | (seeds % 1 != 0), "student_id"].tolist()
        if bad:
            raise StudyError(f"student_seed must be a whole number ≥ 0; not so for {bad[:5]}")
        table["student_seed"] = seeds.astype(int)
    else:
        table["student_seed"] = table["student_id"].map(student_seed)
    return table.reset_index(drop=True)


def _header_cell(row: dict, shown: list[str]) -> nbformat.NotebookNode:
    values = [str(row[c]) if not pd.isna(row[c]) else "" for c in shown]
    escape = str.maketrans({"|": "\\|", "\n": " "})
    lines = ["| " + " | ".join(c.translate(escape) for c in shown) + " |", "|" + "---|" * len(shown),
             "| " + " | ".join(v.translate(escape) for v in values) + " |"]
    cell = nbformat.v4.new_markdown_cell("\n".join(lines))
    cell.metadata["tags"] = ["student"]
    return cell


def roster_copies(notebooks: str | Path | list, roster: str | Path | pd.DataFrame, output_dir: str | Path, *,
                  encoding: str | None = None) -> list[Path]:
    """One student copy of each notebook per roster row: ``<notebook>_<student_id>.ipynb`` in ``output_dir``.

    See the module docstring for what the roster's columns do. A column that no notebook declares and that is not
    ``student_id`` is shown in the header cell; the student's seed is injected into every notebook that declares
    ``student_seed`` and recorded, with the id, in the notebook's metadata (``crmlab``) for the grader.
    """
    import papermill

    sources = [Path(n) for n in ([notebooks] if isinstance(notebooks, (str, Path)) else notebooks)]
    for source in sources:
        if not source.is_file():
            raise InputNotFoundError(f"no notebook {source}")
    table = read_roster(roster, encoding=encoding)
    declared = {source: declared_parameters(source) for source in sources}
    parameters = set().union(*map(set, declared.values()))
    shown = ["student_id"] + [c for c in table.columns if c not in parameters | {"student_id", "student_seed"}]
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for row in table.to_dict(orient="records"):
        student = _safe_name(row["student_id"])
        identity = {"student_id": row["student_id"], "student_seed": int(row["student_seed"])}
        for source in sources:
            values = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()
                      if k in declared[source] and not pd.isna(v)}
            prepared = folder / f".{source.stem}_{student}.prepared.ipynb"
            try:
                papermill.execute_notebook(str(source), str(prepared), parameters=values, prepare_only=True,
                                           kernel_name="python3", progress_bar=False)
                notebook = _strip(nbformat.read(prepared, as_version=4), dict(identity, notebook=source.name))
            finally:
                prepared.unlink(missing_ok=True)
            notebook.cells.insert(0, _header_cell(row, shown))
            target = _target(source, folder / f"{source.stem}_{student}.ipynb")
            nbformat.write(notebook, target)
            written.append(target)
    return written
