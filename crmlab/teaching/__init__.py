"""Teaching kit: handouts without solutions, per-student exercise variants, hidden checks and grading.

* :mod:`~crmlab.teaching.handouts` — :func:`student_copy` and :func:`roster_copies` (one copy per student, with their
  parameters, their exercise seed and a header showing the roster's name/class columns);
* :mod:`~crmlab.teaching.variants` — :func:`exercise_sample`, :func:`exercise_choice`, :func:`student_seed`: the
  exercises of a notebook run on the student's own sample of the data;
* :mod:`~crmlab.teaching.checks` — :func:`check`, the hidden check that follows an exercise's solution;
* :mod:`~crmlab.teaching.grading` — :func:`grade`: submissions against each student's variant, into a gradebook.
"""

from __future__ import annotations

from .checks import check
from .grading import expected_answers, grade
from .handouts import ANSWER_PROMPT, read_roster, roster_copies, student_copy
from .variants import exercise_choice, exercise_sample, student_seed

__all__ = ["ANSWER_PROMPT", "check", "exercise_choice", "exercise_sample", "expected_answers", "grade",
           "read_roster", "roster_copies", "student_copy", "student_seed"]
