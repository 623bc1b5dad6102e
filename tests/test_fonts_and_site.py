"""Chinese on a machine without a Chinese font: figures (the bundled font) and reports (the same font, served)."""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

import crmlab as cl


def test_a_figure_with_chinese_text_renders_without_a_glyph_warning(tmp_path):
    scores = pd.DataFrame({"days_since_last_purchase": [5, 50, 300], "purchases": [9, 2, 1],
                           "revenue": [900.0, 80.0, 20.0]}, index=["a", "b", "c"])
    segments = pd.Series(["重要价值客户", "一般发展客户", "一般挽留客户"], index=scores.index)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s) DejaVu Sans" would fail here
        ax = cl.plotting.plot_behaviour_matrix(scores, segments)
        ax.figure.savefig(tmp_path / "matrix.png")
    assert plt.rcParams["font.family"] != cl.plotting.LAB_FONT_FAMILY  # the session's settings are left alone
    fonts = {text.get_fontfamily()[-1] for text in ax.get_legend().get_texts()}
    assert fonts == {"Crmlab Sans SC"}


def test_the_bundled_font_covers_the_textbook_and_carries_its_licence():
    from importlib import resources

    from fontTools.ttLib import TTFont

    folder = resources.files("crmlab").joinpath("fonts")
    with resources.as_file(folder.joinpath("CrmlabSansSC-Regular.otf")) as path:
        covered = TTFont(path).getBestCmap()
    chapters = "".join(path.read_text(encoding="utf-8") for path in cl.paths.PROJECT_ROOT.parent.glob(
        "shared/textbook/*.txt"))
    missing = {c for c in chapters if ord(c) >= 0x2E80 and ord(c) not in covered}
    assert not missing, f"characters of the textbook missing from the font: {sorted(missing)[:20]}"
    licence = folder.joinpath("OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence


def test_a_reader_page_hides_the_test_markers_and_folds_the_solutions():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 01 · A title\n\n## 1. First section"),
        nbformat.v4.new_code_cell("lang = 'zh'", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)"),
        nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]})])
    reader = cl.site.reader_copy(notebook, "zh")
    sources = [cell.source for cell in reader.cells]
    assert "lang = 'zh'" not in sources and "print(1)" in sources and not any("NBVAL" in s for s in sources)
    assert sources[-3:] == ['<details class="crmlab-solution"><summary>显示答案</summary>', "answer = 42",
                            "</details>"]
    assert len(notebook.cells) == 4  # the original is untouched


def test_a_rendered_page_folds_each_solution_behind_a_toggle(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 01 · A title"),
        nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("*Model answer.*", metadata={"tags": ["solution"]})])
    nbformat.write(notebook, tmp_path / "01_a.ipynb")
    page = cl.site.render_page(tmp_path / "01_a.ipynb", lang="zh").read_text(encoding="utf-8")
    assert page.count('<details class="crmlab-solution"><summary>显示答案</summary>') == 2
    assert page.count("</details>") == 2 and "&lt;details" not in page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_rendered_run_needs_no_network(tmp_path, lang):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 09 · 客户关系\n\n$$CLV = \\sum_t \\frac{m r^t}{(1+d)^t}$$\n\n## 1. 第一节"),
        nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(notebook, tmp_path / "09_test.ipynb")
    index = cl.site.render_site(tmp_path, {"study": "course", "notebooks": [{"notebook": "09_test.ipynb"}]},
                                lang=lang)
    for page in (index, tmp_path / "09_test.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', text), f"{page.name} loads from the network"
    page = (tmp_path / "09_test.html").read_text(encoding="utf-8")
    assert "<math" in page and "\\sum" not in page and "<script" not in page.split("<body")[0].lower()
    assert (tmp_path / "_static/CrmlabSansSC-Regular.otf").is_file() and "第一节" in index.read_text(encoding="utf-8")


def test_every_figure_of_a_notebook_shows_not_only_the_first():
    """The font context must not undo what the inline backend sets up when the first figure is drawn."""
    from nbclient import NotebookClient

    cells = ["import crmlab as cl, pandas as pd",
             "ax = cl.plotting.plot_concentration(pd.Series([1.0, 2, 3, 10]))",
             "ax = cl.plotting.plot_whale_curve(pd.Series([1.0, 2, -3, 10]))"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    shown = ["image/png" in o.get("data", {}) for cell in notebook.cells[1:] for o in cell.outputs]
    assert shown.count(True) == 2
