"""The teaching commands of ``crmlab``: ``student-copy`` (handouts, per student with a roster) and ``grade``."""

from __future__ import annotations

import argparse

__all__ = ["add_commands"]

_RAW = argparse.RawDescriptionHelpFormatter


def _student_copy(args) -> int:
    from . import roster_copies, student_copy

    if args.roster:
        written = roster_copies(args.notebooks, args.roster, args.output, encoding=args.encoding)
    else:
        written = [student_copy(notebook, args.output) for notebook in args.notebooks]
    print(f"{len(written)} student notebook(s) written to {args.output}")
    return 0


def _grade(args) -> int:
    from . import grade

    book = grade(args.notebooks, args.submissions, args.roster, args.output, timeout=args.timeout,
                 encoding=args.encoding, progress=not args.quiet)
    graded = book[book["status"] == "graded"]
    others = book.loc[book["status"] != "graded", "status"].value_counts().to_dict()
    print(f"{len(graded)} of {len(book)} submission(s) graded (mean score {graded['score'].mean():.2f} of "
          f"{graded['max_score'].max() if len(graded) else 0}); not graded: {others or 'none'}; gradebook: "
          f"{args.output}")
    return 0


def add_commands(commands) -> None:
    """Add ``student-copy`` and ``grade`` to the ``crmlab`` sub-command parser ``commands``."""
    copy = commands.add_parser(
        "student-copy", help="notebooks without solutions, for students (one per student with --roster)",
        description="Write handouts: solutions, hidden checks, test markers and outputs removed. With --roster, one "
                    "copy of each notebook per student: roster columns that a notebook declares as parameters are "
                    "set in it, student_seed (from the roster, else from the student id) picks the student's own "
                    "exercise data, and the other columns (name, class …) are shown at the top.",
        epilog="examples:\n  crmlab student-copy notebooks/0*.ipynb -o handout/\n"
               "  crmlab student-copy notebooks/03_segmentation.ipynb --roster roster.csv -o handout/\n"
               "  crmlab student-copy notebooks/0[1-4]*.ipynb --roster 名单.csv -o handout/",
        formatter_class=_RAW)
    copy.add_argument("notebooks", nargs="+", help="notebooks to copy")
    copy.add_argument("-o", "--output", required=True, help="output folder")
    copy.add_argument("--roster", help="CSV or Excel file with a student_id column (UTF-8, UTF-8 with BOM or GBK)")
    copy.add_argument("--encoding", help="the roster's text encoding (default: detected)")
    copy.set_defaults(handler=_student_copy)

    grade = commands.add_parser(
        "grade", help="grade submitted notebooks against each student's variant into a gradebook CSV",
        description="Run each submission with the hidden checks of its teacher's notebook and compare its answers "
                    "with the correct answers of that student's variant (the teacher's notebook run with the "
                    "student's seed). The gradebook (UTF-8 with BOM) has one row per submission: the roster's "
                    "columns, status, score and, per exercise, 1/0 and feedback.",
        epilog="example:\n  crmlab grade notebooks/03_segmentation.ipynb --submissions submitted/ --roster roster.csv "
               "-o gradebook.csv",
        formatter_class=_RAW)
    grade.add_argument("notebooks", nargs="+", help="the teacher's notebooks (with solutions and checks)")
    grade.add_argument("--submissions", required=True, help="folder of submitted .ipynb files (searched recursively)")
    grade.add_argument("--roster", required=True, help="the roster the handouts were made from")
    grade.add_argument("-o", "--output", required=True, help="gradebook CSV to write")
    grade.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default 600)")
    grade.add_argument("--encoding", help="the roster's text encoding (default: detected)")
    grade.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    grade.set_defaults(handler=_grade)
