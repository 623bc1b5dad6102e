"""The two editions of the course: the Chinese notebooks share every code cell with the English ones.

Only the ``lang`` line of the parameters cell differs; prose, headings and exercise text are written in each language.
"""

from __future__ import annotations

import re

import nbformat
import pytest

import crmlab as cl

ENGLISH = cl.studies.course_notebooks()
CHINESE = cl.studies.course_notebooks(cl.paths.NOTEBOOKS / "zh")
PAIRS = [(en, cl.paths.NOTEBOOKS / "zh" / en.name) for en in ENGLISH]


def _code(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_every_notebook_has_a_chinese_edition():
    assert [p.name for p in CHINESE] == [p.name for p in ENGLISH]


@pytest.mark.parametrize("english, chinese", [p for p in PAIRS if p[1].is_file()], ids=lambda p: p.name)
def test_the_editions_share_their_code_cell_by_cell(english, chinese):
    ours, theirs = _code(chinese), _code(english)
    assert len(ours) == len(theirs), "same number of code cells"
    for position, (zh, en) in enumerate(zip(ours, theirs, strict=True)):
        expected = re.sub(r'^lang = "en"', 'lang = "zh"', en.source, flags=re.M)
        assert zh.source == expected, f"code cell {position} differs"
        assert set(zh.metadata.get("tags", [])) == set(en.metadata.get("tags", [])), f"tags of code cell {position}"
    parameters = [c.source for c in ours if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and re.search(r'^lang = "zh"', parameters[0], re.M)


@pytest.mark.parametrize("english, chinese", [p for p in PAIRS if p[1].is_file()], ids=lambda p: p.name)
def test_the_chinese_edition_is_written_in_chinese_with_the_same_sections(english, chinese):
    cells = nbformat.read(chinese, as_version=4).cells
    prose = "".join(c.source for c in cells if c.cell_type == "markdown")
    han = len(re.findall(r"[\u4e00-\u9fff]", prose))
    latin = len(re.findall(r"[A-Za-z]+", re.sub(r"`[^`]*`|\$[^$]*\$|\(教材[^)]*\)|https?://\S+", "", prose)))
    assert han > 4 * latin, f"the prose reads as English ({han} Chinese characters, {latin} Latin words)"
    sections = [line.split(" ")[1].rstrip(".") for c in cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("## ") and line[3:4].isdigit()]
    english_sections = [line.split(" ")[1].rstrip(".") for c in nbformat.read(english, as_version=4).cells
                        if c.cell_type == "markdown" for line in c.source.splitlines()
                        if line.startswith("## ") and line[3:4].isdigit()]
    assert sections == english_sections, "the same numbered sections"
    citations = re.findall(r"\(教材 \d{3}[^)]*\)", "".join(c.source for c in cells if c.cell_type == "markdown"))
    english_citations = re.findall(r"\(教材 \d{3}[^)]*\)", "".join(
        c.source for c in nbformat.read(english, as_version=4).cells if c.cell_type == "markdown"))
    assert set(english_citations) <= set(citations), "every chapter the English edition cites, the Chinese cites"
