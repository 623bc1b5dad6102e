"""Grading submitted notebooks against each student's own variant, into a gradebook (CSV, UTF-8 with BOM).

For every notebook to grade, the teacher's notebook (with its solutions and hidden checks) is run for the students'
seeds in one kernel — only the cells the checks need (:func:`notebook_parts`): the lesson cells once, the exercise
cells once per seed — and the answers its check cells record are that student's correct answers
(:func:`expected_answers`). Each submission is then run top to bottom with the teacher's check cells appended
(errors in the student's cells do not stop the run), and every checked exercise scores 1 when all its answers match
(:func:`crmlab.teaching.checks.compare`), else 0 with a one-line reason. A submission that cannot be read, belongs to
no roster student, was made for another seed than the roster's (someone else's variant) or cannot be run is reported
with that status and no score, and the other submissions are graded as usual.

Why not nbgrader or otter-grader: both install here, but both release one version of an assignment to every student
and check it with tests whose expected values are written into the assignment (nbgrader issue #1153, open since 2020:
per-student randomised values are not supported); a per-student variant would need its own release and tests per
student. otter-grader also grades in Docker containers by default and brings Sphinx, Playwright and a Docker client.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
import pandas as pd

from ..errors import InputNotFoundError, StudyError
from .checks import CHECK_MIME, compare
from .handouts import read_roster

__all__ = ["expected_answers", "grade", "notebook_parts"]

_EXERCISES = re.compile(r"^## (Exercises|练习)", re.MULTILINE)


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _statement_names(statement: ast.stmt) -> tuple[set[str], set[str]]:
    bound, read, local = set(), set(), set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, (ast.Store, ast.Del)) else read).add(node.id)
        elif isinstance(node, ast.comprehension):
            local |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda):
            local |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                while isinstance(target, (ast.Subscript, ast.Attribute)):
                    target = target.value
                if isinstance(target, ast.Name):
                    bound.add(target.id)
    return bound - local, read - local


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell binds or changes, names it reads from earlier cells), statement by statement: assignments,
    imports, ``x[...] =`` and ``x.a =`` bind ``x``; a name read after the cell bound it, and the variables of
    comprehensions and lambdas, are the cell's own; magics and shell lines are ignored."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    bound, read = set(), set()
    for statement in ast.parse(code).body:
        binds, reads = _statement_names(statement)
        read |= reads - bound
        bound |= binds
    return bound, read


def notebook_parts(notebook: nbformat.NotebookNode) -> dict[str, list]:
    """The code cells the hidden checks need, by part: the parameters cell, the lesson cells they depend on
    (run once), the exercise cells they depend on with the checks themselves (run once per seed), and the checks.

    A backward slice over names: starting from the check cells, a cell is kept when it binds a name that a later
    kept cell reads before binding it (an assignment, an import, or a change such as ``table["x"] = …``).
    """
    cells = notebook.cells
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and _EXERCISES.search(c.source)]
    if not starts:
        raise StudyError("the notebook has no exercises section (## Exercises or ## 练习)")
    code = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code" and "parameters" not in _tags(c)]
    parameters = [c for c in cells if c.cell_type == "code" and "parameters" in _tags(c)]
    checks = [c for i, c in code if i > starts[0] and "check" in _tags(c)]
    needed, kept = set(), []
    for i, cell in reversed(code):
        bound, read = _names(cell.source)
        if "check" in _tags(cell) and i > starts[0] or bound & needed:
            kept.append((i, cell))
            needed = (needed - bound) | read  # an earlier binding of what this cell binds is not needed
    kept.reverse()
    return {"parameters": parameters, "lesson": [c for i, c in kept if i < starts[0]],
            "exercises": [c for i, c in kept if i > starts[0]], "checks": checks}


def _execute(cells: list, folder: Path, *, allow_errors: bool, timeout: int) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    for number, cell in enumerate(cells):
        notebook.cells.append(copy.deepcopy(cell))
        notebook.cells[-1]["id"] = f"cell-{number}"  # a cell run for several seeds appears more than once
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def _records(cells: list) -> dict[str, dict]:
    records = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(CHECK_MIME)
            if record:
                records[record["exercise"]] = record
    return records


def expected_answers(notebook: str | Path, seeds: list[int], *, timeout: int = 600) -> dict[int, dict[str, dict]]:
    """{seed: {exercise: check record}}: the correct answers of each seed's variant, from the teacher's notebook."""
    source = Path(notebook)
    parts = notebook_parts(nbformat.read(source, as_version=4))
    if not parts["checks"]:
        raise StudyError(f"{source.name} has no hidden checks (cells tagged 'check') to grade with")
    cells, runs = parts["parameters"] + parts["lesson"], []
    for seed in seeds:
        start = len(cells)
        cells += [nbformat.v4.new_code_cell(f"student_seed = {int(seed)}")] + parts["exercises"]
        runs.append((seed, start))
    from nbclient.exceptions import CellExecutionError

    try:
        executed = _execute(cells, source.parent, allow_errors=False, timeout=timeout)
    except CellExecutionError as error:
        raise StudyError(f"the teacher's notebook {source.name} fails on a student seed: "
                         f"{str(error).strip().splitlines()[-1]}") from error
    bounds = [start for _, start in runs] + [len(cells)]
    return {seed: _records(executed.cells[bounds[k]:bounds[k + 1]]) for k, (seed, _) in enumerate(runs)}


def _submitted_seed(notebook: nbformat.NotebookNode) -> int | None:
    """The ``student_seed`` the submission runs with: the last assignment in its injected-parameters cell."""
    seed = None
    for cell in notebook.cells:
        if cell.cell_type == "code" and "injected-parameters" in _tags(cell):
            try:
                for statement in ast.parse(cell.source).body:
                    if isinstance(statement, ast.Assign) and any(getattr(t, "id", "") == "student_seed"
                                                                 for t in statement.targets):
                        seed = ast.literal_eval(statement.value)
            except (SyntaxError, ValueError):
                return None
    return seed


def _first_error(cells: list) -> str | None:
    for number, cell in enumerate(cells, 1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {number} raised {output['ename']}: {output['evalue']}"[:200]
    return None


def _grade_one(path: Path, masters: dict[str, Path], roster: pd.DataFrame, expected: dict, timeout: int) -> dict:
    row = {"file": path.name}
    try:
        submission = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 — any unreadable file is reported, not raised
        return dict(row, status="unreadable", feedback=f"not a notebook: {type(error).__name__}: {error}"[:200])
    identity = submission.metadata.get("crmlab", {})
    name = identity.get("notebook")
    if name not in masters:
        return dict(row, status="unknown notebook",
                    feedback=f"made from {name or 'no crmlab handout'}; grading {', '.join(masters)}")
    row["notebook"] = name
    student = str(identity.get("student_id", ""))
    if student not in roster.index:
        return dict(row, status="unknown student", feedback=f"student_id {student!r} is not on the roster")
    row["student_id"] = student
    seed = int(roster.loc[student, "student_seed"])
    submitted = _submitted_seed(submission)
    if submitted != seed or identity.get("student_seed") != seed:
        owners = roster.index[roster["student_seed"] == submitted].tolist()
        whose = f" — {owners[0]}'s variant" if owners else ""
        return dict(row, status="wrong variant", feedback=f"this notebook runs student_seed={submitted}{whose}; "
                                                          f"{student}'s variant is student_seed={seed}")
    master = nbformat.read(masters[name], as_version=4)
    checks = notebook_parts(master)["checks"]
    try:
        executed = _execute(submission.cells + checks, path.parent, allow_errors=True, timeout=timeout)
    except Exception as error:  # noqa: BLE001 — a dead kernel or a timeout fails this submission only
        return dict(row, status="not run", feedback=f"{type(error).__name__}: {error}"[:200])
    own = executed.cells[:len(submission.cells)]
    got = _records(executed.cells[len(submission.cells):])
    error_by_check = {k: _first_error([c]) for k, c in zip([_check_id(c) for c in checks],
                                                           executed.cells[len(submission.cells):], strict=True)}
    score = 0
    for exercise, record in expected[(name, seed)].items():
        answer = got.get(exercise)
        if answer is None:
            problem = error_by_check.get(exercise) or "no answer recorded"
            feedback = f"not answered ({problem.removeprefix('cell 1 raised ')})"
        else:
            differences = [f"{key}: {d}" for key, want in record["answers"].items()
                           if (d := compare(want, answer["answers"].get(key), record["rtol"]))]
            feedback = "; ".join(differences) if differences else "correct"
        points = int(feedback == "correct")
        score += points
        row[f"exercise {exercise}"], row[f"exercise {exercise} feedback"] = points, feedback
    error = _first_error(own)
    return dict(row, status="graded", score=score, max_score=len(expected[(name, seed)]),
                feedback=f"your {error}" if error else "")


def _check_id(cell) -> str | None:
    match = re.search(r"check\(\s*['\"]([^'\"]+)['\"]", cell.source)
    return match.group(1) if match else None


def grade(notebooks: str | Path | list, submissions: str | Path, roster: str | Path | pd.DataFrame,
          output: str | Path | None = None, *, timeout: int = 600, encoding: str | None = None,
          progress: bool = True) -> pd.DataFrame:
    """Grade every ``.ipynb`` under ``submissions`` made from one of ``notebooks``; the gradebook, also as CSV.

    One row per submission: the roster's columns (student_id, name, class …), notebook, file, status ("graded",
    "wrong variant", "unknown student", "unknown notebook", "unreadable", "not run"), score, max_score, a general
    feedback (the first error in the student's cells) and, per checked exercise, ``exercise N`` (1 or 0) and
    ``exercise N feedback``. Written to ``output`` as CSV in UTF-8 with BOM (Excel opens Chinese correctly).
    ``progress`` shows a bar over the submissions.
    """
    masters = {Path(n).name: Path(n) for n in ([notebooks] if isinstance(notebooks, (str, Path)) else notebooks)}
    for path in masters.values():
        if not path.is_file():
            raise InputNotFoundError(f"no notebook {path}")
    folder = Path(submissions)
    if not folder.is_dir():
        raise InputNotFoundError(f"no folder of submissions {folder}")
    table = read_roster(roster, encoding=encoding).set_index("student_id")
    files = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not files:
        raise InputNotFoundError(f"{folder} holds no .ipynb submissions")
    wanted = {name: set() for name in masters}
    for path in files:
        try:
            identity = nbformat.read(path, as_version=4).metadata.get("crmlab", {})
        except Exception:  # noqa: BLE001, S112 — reported as unreadable when graded
            continue
        if identity.get("notebook") in masters and str(identity.get("student_id")) in table.index:
            wanted[identity["notebook"]].add(int(table.loc[str(identity["student_id"]), "student_seed"]))
    expected = {(name, seed): answers for name, path in masters.items() if wanted[name]
                for seed, answers in expected_answers(path, sorted(wanted[name]), timeout=timeout).items()}
    from tqdm.auto import tqdm

    rows = [_grade_one(path, masters, table, expected, timeout)
            for path in tqdm(files, desc="grading", unit="notebook", disable=not progress)]
    book = pd.DataFrame(rows)
    extra = [c for c in table.columns if c != "student_seed"]
    book = book.join(table[extra], on="student_id") if "student_id" in book else book
    leading = ["student_id", *extra, "notebook", "file", "status", "score", "max_score", "feedback"]
    book = book[[c for c in leading if c in book] + [c for c in book if c not in leading]]
    if output is not None:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        book.to_csv(output, index=False, encoding="utf-8-sig")
    return book
