"""The teaching kit: handouts without solutions, per-student variants, rosters, hidden checks and grading."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DataError, StudyError
from crmlab.teaching.checks import CHECK_MIME, compare
from crmlab.teaching.grading import notebook_parts

EXERCISE_NOTEBOOKS = [p for p in cl.studies.course_notebooks()
                      if any("check" in c.metadata.get("tags", []) for c in nbformat.read(p, as_version=4).cells)]


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


@pytest.mark.parametrize("notebook", EXERCISE_NOTEBOOKS, ids=lambda p: p.name[:2])
def test_two_students_get_different_correct_answers(notebook):
    seeds = [cl.teaching.student_seed("s01"), cl.teaching.student_seed("s02")]
    answers = cl.teaching.expected_answers(notebook, seeds)
    first, second = (answers[s] for s in seeds)
    assert first and set(first) == set(second)
    for exercise in first:  # every checked answer of every exercise differs between the two students
        for name, value in first[exercise]["answers"].items():
            assert compare(value, second[exercise]["answers"][name]) is not None, (exercise, name)


def test_every_exercise_notebook_has_a_variant_and_checks_in_both_editions():
    assert len(EXERCISE_NOTEBOOKS) == len(cl.studies.course_notebooks())
    for notebook in EXERCISE_NOTEBOOKS + [cl.paths.NOTEBOOKS / "zh" / p.name for p in EXERCISE_NOTEBOOKS]:
        assert cl.studies.declared_parameters(notebook)["student_seed"] is None
        parts = notebook_parts(nbformat.read(notebook, as_version=4))
        assert parts["checks"] and "student_seed" in "".join(c.source for c in parts["exercises"])


def test_student_seeds_and_samples():
    assert cl.teaching.student_seed("2023001") == cl.teaching.student_seed(" 2023001 ")
    assert cl.teaching.student_seed("2023001") != cl.teaching.student_seed("2023002")
    log = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3, 4, 5], "amount": range(8)})
    assert cl.teaching.exercise_sample(log, None, by="customer_id") is log
    sample = cl.teaching.exercise_sample(log, 7, by="customer_id", fraction=0.6)
    assert sample["customer_id"].nunique() == 3  # whole customers: all their lines or none
    assert sample.equals(log[log["customer_id"].isin(sample["customer_id"])])
    assert sample.equals(cl.teaching.exercise_sample(log, 7, by="customer_id", fraction=0.6))
    assert len(cl.teaching.exercise_sample(log, 7, fraction=0.5)) == 4
    assert cl.teaching.exercise_choice(["a", "b"], None) == "a"
    for bad in [dict(student_seed=-1), dict(student_seed="3"), dict(student_seed=1, fraction=0)]:
        with pytest.raises(DataError):
            cl.teaching.exercise_sample(log, **bad)
    with pytest.raises(DataError, match="no such column"):
        cl.teaching.exercise_sample(log, 1, by="client")


def test_compare_says_what_differs():
    assert compare({"A": 0.5, "B": [1, 2]}, {"A": 0.5 + 1e-9, "B": [1, 2]}) is None
    assert compare(0.5, 0.6) == "expected 0.5, got 0.6"
    assert compare({"A": 1}, {"A": 1, "B": 2}) == "unexpected ['B']"
    assert "item 2" in compare([1, 2], [1, 3])
    assert compare("x", "y") == "expected 'x', got 'y'"


# --- rosters ------------------------------------------------------------------------------------------------------

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


# --- grading ------------------------------------------------------------------------------------------------------

TEACHER = [
    ("markdown", "# A tiny exercise notebook", []),
    ("code", "student_seed = None\nlang = \"en\"", ["parameters"]),
    ("code", "import pandas as pd\nimport crmlab as cl\nlog = pd.DataFrame({'customer_id': range(40), "
             "'amount': [float(i * i % 17) for i in range(40)]})", []),
    ("markdown", "## 1. The lesson\nThe whole data set.", []),
    ("code", "# NBVAL_CHECK_OUTPUT\nlog['amount'].sum()", []),
    ("markdown", "## Exercises\n**1.** Mean amount of your sample; keep it in `mean_amount`.", []),
    ("code", "my_log = cl.teaching.exercise_sample(log, student_seed, by='customer_id')", []),
    ("code", "mean_amount = my_log['amount'].mean()", ["solution"]),
    ("code", "cl.teaching.check('1', mean_amount=mean_amount)", ["check"]),
    ("markdown", "**2.** Largest amount; keep it in `top`.", []),
    ("code", "top = my_log['amount'].max()", ["solution"]),
    ("code", "cl.teaching.check('2', top=top)", ["check"]),
    ("markdown", "**3.** Why?", []),
    ("markdown", "*Model answer.* Because.", ["solution"]),
]


def _teacher(path):
    cells = [(nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell)(source)
             for kind, source, _ in TEACHER]
    for cell, (_, _, tags) in zip(cells, TEACHER, strict=True):
        cell.metadata["tags"] = tags
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def _answer(path, answers):
    notebook = nbformat.read(path, as_version=4)
    answer_cells = [c for c in notebook.cells if c.source == cl.teaching.ANSWER_PROMPT]
    for cell, source in zip(answer_cells, answers, strict=False):
        cell.source = source
    nbformat.write(notebook, path)


def test_grading_scores_each_student_against_their_own_variant(tmp_path):
    teacher = _teacher(tmp_path / "tiny.ipynb")
    roster = tmp_path / "roster.csv"
    pd.DataFrame({"student_id": ["a1", "b2", "c3", "d4", "e5"], "name": ["甲", "乙", "丙", "丁", "戊"],
                  "class": ["1班"] * 5}).to_csv(roster, index=False, encoding="gbk")
    handouts = cl.teaching.roster_copies(teacher, roster, tmp_path / "handout")
    submitted = tmp_path / "submitted"
    submitted.mkdir()
    files = {p.stem.split("_")[-1]: submitted / p.name for p in handouts}
    for path in files.values():
        path.write_bytes((tmp_path / "handout" / path.name).read_bytes())
    _answer(files["a1"], ["mean_amount = my_log['amount'].mean()", "top = my_log['amount'].max()"])  # correct
    _answer(files["b2"], ["mean_amount = log['amount'].mean()", "top = my_log['amount'].max()"])  # whole data: wrong
    _answer(files["c3"], ["mean_amount = my_log['amount'].mean() + undefined", "1 / 0"])  # errors
    copied = nbformat.read(files["a1"], as_version=4)  # d4 hands in a1's notebook under their own name
    copied.metadata["crmlab"]["student_id"] = "d4"
    nbformat.write(copied, files["d4"])
    files["e5"].write_text("not a notebook", encoding="utf-8")
    book = cl.teaching.grade(teacher, submitted, roster, tmp_path / "gradebook.csv").set_index("file")
    row = {student: book.loc[path.name] for student, path in files.items()}
    assert row["a1"][["status", "score", "max_score", "exercise 1", "exercise 2"]].tolist() == ["graded", 2, 2, 1, 1]
    assert row["a1"]["exercise 1 feedback"] == "correct" and row["a1"]["name"] == "甲" and row["a1"]["class"] == "1班"
    assert row["b2"][["score", "exercise 1", "exercise 2"]].tolist() == [1, 0, 1]
    assert row["b2"]["exercise 1 feedback"].startswith("mean_amount: expected ")
    assert row["c3"][["status", "score"]].tolist() == ["graded", 0]
    assert "not answered" in row["c3"]["exercise 1 feedback"] and "NameError" in row["c3"]["feedback"]
    assert row["d4"]["status"] == "wrong variant" and "a1's variant" in row["d4"]["feedback"]
    assert row["e5"]["status"] == "unreadable"
    written = (tmp_path / "gradebook.csv").read_bytes()
    assert written.startswith(b"\xef\xbb\xbf") and "甲" in written.decode("utf-8-sig")
    expected = cl.teaching.expected_answers(teacher, [cl.teaching.student_seed("a1"), cl.teaching.student_seed("b2")])
    first, second = expected.values()
    assert first["1"]["answers"] != second["1"]["answers"]


def test_grade_command_line(tmp_path):
    teacher = _teacher(tmp_path / "tiny.ipynb")
    pd.DataFrame({"student_id": ["a1"]}).to_csv(tmp_path / "roster.csv", index=False)
    [handout] = cl.teaching.roster_copies(teacher, tmp_path / "roster.csv", tmp_path / "submitted")
    _answer(handout, ["mean_amount = my_log['amount'].mean()"])
    done = subprocess.run([sys.executable, "-m", "crmlab.cli", "grade", str(teacher), "--submissions",
                           str(tmp_path / "submitted"), "--roster", str(tmp_path / "roster.csv"), "-o",
                           str(tmp_path / "grades.csv")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "1 of 1 submission(s) graded (mean score 1.00 of 2)" in done.stdout
    book = pd.read_csv(tmp_path / "grades.csv", encoding="utf-8-sig")
    assert book.loc[0, "exercise 2 feedback"].startswith("not answered (NameError")
    missing = subprocess.run([sys.executable, "-m", "crmlab.cli", "grade", str(teacher), "--submissions",
                              str(tmp_path / "nowhere"), "--roster", str(tmp_path / "roster.csv"), "-o", "x.csv"],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.startswith("crmlab: error: no folder of submissions")


def test_check_values_become_plain_data():
    frame = pd.DataFrame({"share": [0.25, 0.75]}, index=["A", "B"])
    assert cl.teaching.checks.plain_value(frame) == {"share": {"A": 0.25, "B": 0.75}}
    assert cl.teaching.checks.plain_value(pd.Series([1, 2]).to_numpy()) == [1, 2]
    with pytest.raises(DataError, match="must be a number, text, list or table"):
        cl.teaching.checks.plain_value(object())
    with pytest.raises(DataError, match="names no answer"):
        cl.teaching.check("1")
