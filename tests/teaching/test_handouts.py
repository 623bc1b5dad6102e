"""Handouts: no solutions, checks, markers or outputs, in the notebooks and their HTML; rosters."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import StudyError
from crmlab.teaching.checks import CHECK_MIME


def test_student_copy_removes_solutions_checks_markers_and_outputs(tmp_path):
    source = cl.paths.NOTEBOOKS / "08_retention_economics.ipynb"
    original = nbformat.read(source, as_version=4)
    copy = nbformat.read(cl.teaching.student_copy(source, tmp_path), as_version=4)
    solutions = sum("solution" in c.metadata.get("tags", []) for c in original.cells)
    checks = sum("check" in c.metadata.get("tags", []) for c in original.cells)
    assert solutions > 0 and checks > 0
    assert not any({"solution", "check"} & set(c.metadata.get("tags", [])) for c in copy.cells)
    assert sum(c.source == cl.teaching.ANSWER_PROMPT for c in copy.cells) == solutions
    assert len(copy.cells) == len(original.cells) - checks  # each answer cell takes a solution's place
    assert all(not c.outputs and c.execution_count is None for c in copy.cells if c.cell_type == "code")
    assert copy.metadata["kernelspec"]["name"] == "python3"
    with pytest.raises(ValueError, match="would overwrite its source"):
        cl.teaching.student_copy(source, source)

def test_every_student_copy_runs_from_top_to_bottom(tmp_path):
    teachers = cl.studies.course_notebooks()
    copies = [cl.teaching.student_copy(nb, tmp_path / "handout") for nb in teachers]
    executed = cl.studies.run_notebooks(copies, tmp_path / "run", progress=False)
    assert [p.name for p in executed] == [p.name for p in copies]
    _assert_no_solution_anywhere(teachers, copies, [p.with_suffix(".html") for p in executed])

def _lines(cells) -> set[str]:
    return {line.strip() for c in cells for line in c.source.splitlines() if len(line.strip()) > 20}

def _assert_no_solution_anywhere(teachers, handouts, html_pages):
    """No marker, no line found only in solution or check cells, no check output: in handouts and their HTML."""
    for source, handout in zip(teachers, handouts, strict=True):
        teacher = nbformat.read(source, as_version=4)
        hidden = [c for c in teacher.cells if {"solution", "check"} & set(c.metadata.get("tags", []))]
        secret = _lines(hidden) - _lines(c for c in teacher.cells if c not in hidden)
        assert secret, handout.name
        text = handout.read_text(encoding="utf-8")
        assert "NBVAL_CHECK_OUTPUT" not in text and CHECK_MIME not in text and '"solution"' not in text
        notebook = nbformat.read(handout, as_version=4)
        assert not secret & _lines(notebook.cells), handout.name
        assert set(notebook.metadata) <= {"kernelspec", "language_info", "crmlab"}
    for page in html_pages:
        html = page.read_text(encoding="utf-8")
        assert "NBVAL_CHECK_OUTPUT" not in html and "cl.teaching.check(" not in html and "Model answer" not in html

def test_chinese_handouts_hide_every_solution(tmp_path):
    notebooks = cl.studies.course_notebooks(cl.paths.NOTEBOOKS / "zh")
    _assert_no_solution_anywhere(notebooks, [cl.teaching.student_copy(nb, tmp_path) for nb in notebooks], [])

def _roster(path, encoding):
    pd.DataFrame({"student_id": ["2023001", "2023002"], "姓名": ["张三", "李四"], "班级": ["营销1班", "营销2班"],
                  "seed": [3, 4]}).to_csv(path, index=False, encoding=encoding)
    return path

@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_roster_reads_chinese_encodings_and_shows_extra_columns(tmp_path, encoding):
    roster = _roster(tmp_path / "名单.csv", encoding)
    notebooks = [cl.paths.NOTEBOOKS / "zh" / "07_satisfaction_loyalty.ipynb",
                 cl.paths.NOTEBOOKS / "zh" / "03_segmentation.ipynb"]
    written = cl.teaching.roster_copies(notebooks, roster, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(f"{n.stem}_{s}.ipynb" for n in notebooks
                                                     for s in ("2023001", "2023002"))
    copy = nbformat.read(tmp_path / "out" / "07_satisfaction_loyalty_2023002.ipynb", as_version=4)
    assert copy.cells[0].source.splitlines() == ["| student_id | 姓名 | 班级 |", "|---|---|---|",
                                                 "| 2023002 | 李四 | 营销2班 |"]
    injected = next(c.source for c in copy.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f"student_seed = {cl.teaching.student_seed('2023002')}" in injected and "seed = 4" in injected
    assert copy.metadata["crmlab"] == {"student_id": "2023002", "notebook": "07_satisfaction_loyalty.ipynb",
                                       "student_seed": cl.teaching.student_seed("2023002")}
    assert not list((tmp_path / "out").glob(".*"))  # no prepared intermediates left behind

def test_bad_rosters_get_clear_errors(tmp_path):
    notebook = cl.paths.NOTEBOOKS / "07_satisfaction_loyalty.ipynb"
    with pytest.raises(StudyError, match="needs a student_id column"):
        cl.teaching.roster_copies(notebook, pd.DataFrame({"seed": [1]}), tmp_path)
    with pytest.raises(StudyError, match=r"repeated: \['a'\]"):
        cl.teaching.roster_copies(notebook, pd.DataFrame({"student_id": ["a", "a"]}), tmp_path)
    with pytest.raises(StudyError, match="no student_id"):
        cl.teaching.roster_copies(notebook, pd.DataFrame({"student_id": ["a", None], "name": ["x", "y"]}), tmp_path)
    with pytest.raises(StudyError, match="student_seed must be a whole number"):
        cl.teaching.roster_copies(notebook, pd.DataFrame({"student_id": ["a"], "student_seed": [1.5]}), tmp_path)
    with pytest.raises(FileNotFoundError, match="roster"):
        cl.teaching.roster_copies(notebook, tmp_path / "missing.csv", tmp_path)

def _examples(text):
    return [line.strip() for line in text.splitlines() if re.match(r"\s*(\.venv/bin/)?crmlab student-copy .*--roster",
                                                                   line)]

def test_the_roster_examples_of_help_and_readme_work_as_written(tmp_path):
    (tmp_path / "notebooks").symlink_to(cl.paths.NOTEBOOKS)
    _roster(tmp_path / "roster.csv", "gbk")
    help_text = subprocess.run([sys.executable, "-m", "crmlab.cli", "--help"], capture_output=True, text=True,
                               check=True).stdout
    readme = "\n".join((cl.paths.NOTEBOOKS.parent / name).read_text(encoding="utf-8")
                       for name in ("README.md", "README.zh.md"))
    examples = _examples(help_text) + [line.split("#")[0].strip() for line in _examples(readme)]
    assert len(examples) >= 3
    for example in examples:
        words = shlex.split(example)
        done = subprocess.run([sys.executable, "-m", "crmlab.cli", *words[1:]], cwd=tmp_path, capture_output=True,
                              text=True)
        assert done.returncode == 0, (example, done.stderr)
        assert "2 student notebook(s) written to handout/" in done.stdout
        notebook = words[words.index("student-copy") + 1]
        assert (tmp_path / "handout" / f"{notebook.split('/')[-1][:-6]}_2023001.ipynb").is_file()
