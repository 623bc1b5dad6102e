"""The notebooks: structure every notebook must have, and a Papermill run with non-default parameters.

nbval (``pytest --nbval-lax --nbval-current-env``, set in pyproject.toml) executes every
notebook of notebooks/ and compares the outputs of cells marked ``# NBVAL_CHECK_OUTPUT``.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

import crmlab as cl

NOTEBOOKS = cl.studies.course_notebooks() + cl.studies.course_notebooks(cl.paths.NOTEBOOKS / "zh")


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_structure(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert sum("parameters" in tags(c) for c in code) == 1, "exactly one cell tagged 'parameters'"
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    assert any("solution" in tags(c) for c in code), "exercises need solution cells tagged 'solution'"
    assert any(c.cell_type == "markdown" and re.search(r"^## (Exercises|练习)", c.source, re.M)
               for c in notebook.cells), "an exercises section (## Exercises, or ## 练习 in the Chinese edition)"
    checked = [c for c in code if "NBVAL_CHECK_OUTPUT" in c.source]
    assert checked and all(c.outputs for c in checked), "checked cells must store their expected output"
    assert not [c for c in code if c.outputs and c not in checked], "store notebooks without bulky outputs"
    assert not any(re.search(r"^\s*(def|class)\s", c.source, re.M) for c in code if "solution" not in tags(c)), \
        "helpers belong in crmlab, not in notebooks"
    assert len(json.dumps(notebook)) < 200_000


def test_papermill_run_with_other_parameters(tmp_path):
    notebook = cl.paths.NOTEBOOKS / "01_customer_data.ipynb"
    parameters = {"cancellations": "drop", "duplicates": "keep", "zero_value": "drop", "time_unit": "D",
                  "observation_end": "2011-12-09", "cdnow_kind": "master"}
    [executed] = cl.studies.run_notebooks([notebook], tmp_path / "run", parameters=parameters, progress=False)
    text = executed.read_text()
    # the literature's "clean Online Retail": 397,884 rows (data/raw/README.md, UCI figures)
    assert "541,909 rows in = 397,884 kept + 144,025 dropped" in text
    assert "23,570 customers" in text  # CDNOW master (Fader, Hardie & Lee 2005)
    html = executed.with_suffix(".html").read_text()
    assert "<html" in html and "data:image/png;base64" in html
    assert not (tmp_path / "run.partial").exists()


def test_failed_run_keeps_partial_outputs(tmp_path):
    notebook = cl.paths.NOTEBOOKS / "01_customer_data.ipynb"
    with pytest.raises(Exception, match="cancellations must be one of"):
        cl.studies.run_notebooks([notebook], tmp_path / "run", parameters={"cancellations": "keep"}, progress=False)
    assert (tmp_path / "run-failed" / notebook.name).is_file()
    assert not (tmp_path / "run").exists()
