"""Student copies: no solutions, no outputs, a standard kernel — and every copy runs from top to bottom."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

import crmlab as cl
from crmlab.studies import StudyError


def test_student_copy_removes_solutions_and_outputs(tmp_path):
    source = cl.paths.NOTEBOOKS / "08_retention_economics.ipynb"
    original = nbformat.read(source, as_version=4)
    copy = nbformat.read(cl.teaching.student_copy(source, tmp_path), as_version=4)
    solutions = sum("solution" in c.metadata.get("tags", []) for c in original.cells)
    assert solutions > 0 and not any("solution" in c.metadata.get("tags", []) for c in copy.cells)
    assert sum(c.source == cl.teaching.ANSWER_PROMPT for c in copy.cells) == solutions
    assert len(copy.cells) == len(original.cells)  # the prompts stay, each answer cell takes a solution's place
    assert all(not c.outputs and c.execution_count is None for c in copy.cells if c.cell_type == "code")
    assert copy.metadata["kernelspec"]["name"] == "python3"
    with pytest.raises(ValueError, match="would overwrite its source"):
        cl.teaching.student_copy(source, source)


def test_every_student_copy_runs_from_top_to_bottom(tmp_path):
    copies = [cl.teaching.student_copy(nb, tmp_path / "handout") for nb in cl.studies.course_notebooks()]
    executed = cl.studies.run_notebooks(copies, tmp_path / "run", progress=False)
    assert [p.name for p in executed] == [p.name for p in copies]


def test_roster_gives_each_student_their_own_parameters(tmp_path):
    roster = tmp_path / "roster.csv"
    pd.DataFrame({"student_id": ["s01", "s/02"], "seed": [3, 4], "respondents": [300, 400]}).to_csv(roster,
                                                                                                    index=False)
    written = cl.teaching.roster_copies(cl.paths.NOTEBOOKS / "07_satisfaction_loyalty.ipynb", roster,
                                        tmp_path / "out")
    assert [p.name for p in written] == ["07_satisfaction_loyalty_s01.ipynb", "07_satisfaction_loyalty_s_02.ipynb"]
    injected = [c for c in nbformat.read(written[1], as_version=4).cells
                if "injected-parameters" in c.metadata.get("tags", [])]
    assert "seed = 4" in injected[0].source and "respondents = 400" in injected[0].source
    assert not list((tmp_path / "out").glob(".*"))  # no prepared intermediates left behind


def test_bad_rosters_get_clear_errors(tmp_path):
    notebook = cl.paths.NOTEBOOKS / "07_satisfaction_loyalty.ipynb"
    with pytest.raises(StudyError, match="needs a student_id column"):
        cl.teaching.roster_copies(notebook, pd.DataFrame({"seed": [1]}), tmp_path)
    with pytest.raises(StudyError, match=r"repeated: \['a'\]"):
        cl.teaching.roster_copies(notebook, pd.DataFrame({"student_id": ["a", "a"]}), tmp_path)
    with pytest.raises(StudyError, match=r"roster columns \['colour'\] are not parameters"):
        cl.teaching.roster_copies(notebook, pd.DataFrame({"student_id": ["a"], "colour": [1]}), tmp_path)
