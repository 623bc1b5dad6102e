"""Hidden checks and grading against each student's own variant."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DataError
from crmlab.teaching.checks import compare


def test_compare_says_what_differs():
    assert compare({"A": 0.5, "B": [1, 2]}, {"A": 0.5 + 1e-9, "B": [1, 2]}) is None
    assert compare(0.5, 0.6) == "expected 0.5, got 0.6"
    assert compare({"A": 1}, {"A": 1, "B": 2}) == "unexpected ['B']"
    assert "item 2" in compare([1, 2], [1, 3])
    assert compare("x", "y") == "expected 'x', got 'y'"

def test_check_values_become_plain_data():
    frame = pd.DataFrame({"share": [0.25, 0.75]}, index=["A", "B"])
    assert cl.teaching.checks.plain_value(frame) == {"share": {"A": 0.25, "B": 0.75}}
    assert cl.teaching.checks.plain_value(pd.Series([1, 2]).to_numpy()) == [1, 2]
    with pytest.raises(DataError, match="must be a number, text, list or table"):
        cl.teaching.checks.plain_value(object())
    with pytest.raises(DataError, match="names no answer"):
        cl.teaching.check("1")

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
    book = cl.teaching.grade(teacher, submitted, roster, tmp_path / "gradebook.csv", progress=False).set_index("file")
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

def test_grading_a_course_notebook(tmp_path):
    """Notebook 00's exercise 1 asks each student about their own term: the teacher's solution pasted into the
    handout scores full marks, the published notebook's answer (the term 流失) scores nothing."""
    teacher = cl.paths.NOTEBOOKS / "00_index.ipynb"
    solutions = [c.source for c in nbformat.read(teacher, as_version=4).cells
                 if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])]
    roster = pd.DataFrame({"student_id": ["s1", "s2"], "student_seed": [1, 2]})  # seeds whose term is not 流失
    good, bad = cl.teaching.roster_copies(teacher, roster, tmp_path / "submitted")
    _answer(good, solutions)
    _answer(bad, [solutions[0].replace("my_term", '"流失"')] + solutions[1:])
    book = cl.teaching.grade(teacher, tmp_path / "submitted", roster, progress=False).set_index("student_id")
    assert book[["status", "score", "max_score"]].values.tolist() == [["graded", 1, 1], ["graded", 0, 1]]
    assert book.loc["s2", "exercise 1 feedback"].startswith("notebooks: ")
