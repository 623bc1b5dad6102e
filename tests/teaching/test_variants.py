"""Per-student variants: every exercise notebook gives two students different correct answers."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DataError
from crmlab.teaching.checks import compare
from crmlab.teaching.grading import notebook_parts

EXERCISE_NOTEBOOKS = [p for p in cl.studies.course_notebooks()
                      if any("check" in c.metadata.get("tags", []) for c in nbformat.read(p, as_version=4).cells)]


@pytest.mark.parametrize("notebook", EXERCISE_NOTEBOOKS, ids=lambda p: p.name[:2])
def test_two_students_get_different_correct_answers(notebook):
    seeds = [cl.teaching.student_seed("s01"), cl.teaching.student_seed("s02")]
    answers = cl.teaching.expected_answers(notebook, seeds)
    first, second = (answers[s] for s in seeds)
    assert first and set(first) == set(second)
    for exercise in first:  # each checked exercise has a different correct answer for the two students
        assert compare(first[exercise]["answers"], second[exercise]["answers"]) is not None, exercise


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
