"""The course map: every textbook topic points at a notebook section that exists; the glossary is complete."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

import crmlab as cl

HEADINGS = json.loads((Path(__file__).parent / "reference" / "textbook_headings.json").read_text(encoding="utf-8"))
CITATION = re.compile(r"\(教材 (\d{3})[, ]?\s*([^()]*(?:\([^()]*\)[^()]*)*)\)")


def _found(chapter: str, part: str) -> bool:
    """A cited part is a section number (§2.1.3, which a heading of the chapter starts with) or a verbatim piece
    of a heading or caption (图3.4, 用ABC分类法对客户进行划分)."""
    headings = HEADINGS[chapter]
    if part.startswith("§"):
        number = part[1:]
        return any(h.replace(" ", "").startswith(number) for h in headings)
    return any(part in h for h in headings)


def test_every_textbook_topic_maps_to_an_existing_section_and_heading():
    mapping = cl.course.textbook_map()
    assert mapping["section"].notna().all(), mapping[mapping["section"].isna()]
    parts = set(mapping["textbook"])
    assert parts == {"CRM vision and goals", "CRM strategy and customer analysis", "The business case for CRM",
                     "Customers", "Segmentation and core customers"}  # the five parts of ../shared/textbook
    missing = [(row.chapter, row.follows) for row in mapping.itertuples() if not _found(row.chapter, row.follows)]
    assert not missing, f"map rows that cite no heading of their chapter: {missing}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_citation_in_the_notebooks_names_a_heading_that_exists(lang):
    sections = cl.course.table_of_contents(lang=lang)
    content = sections[~sections["notebook"].isin(["00_index"])]
    uncited = [s for s in content["section"] if "教材" not in s]
    assert not uncited, f"sections that name no chapter (or say 教材之外): {uncited}"
    wrong = []
    for section in content["section"]:
        for chapter, rest in CITATION.findall(section):
            parts = [p.strip() for p in rest.split(",") if p.strip()]
            wrong += [(section, part) for part in parts if not _found(chapter, part)]
    assert not wrong, f"citations that match no heading of their chapter: {wrong}"


def test_the_headings_are_verbatim_pieces_of_the_chapters():
    folder = cl.paths.PROJECT_ROOT.parent / "shared" / "textbook"
    if not folder.is_dir():
        pytest.skip("../shared/textbook is not beside the project")
    for chapter, headings in HEADINGS.items():
        [path] = folder.glob(f"{chapter}_*.txt")
        text = path.read_text(encoding="utf-8")
        assert all(h in text for h in headings), chapter


def test_every_content_notebook_is_mapped_and_has_glossary_terms():
    notebooks = {p.stem for p in cl.studies.course_notebooks()} - {"00_index"}
    assert set(cl.course.textbook_map()["notebook"]) == notebooks
    assert {cl.studies.notebook_number(name) for name in notebooks} == set(cl.course.glossary()["notebook"])
    terms = cl.course.glossary()
    assert not terms["English"].duplicated().any() and terms["中文"].str.len().gt(0).all()


def test_table_of_contents_reads_numbered_sections():
    contents = cl.course.table_of_contents()
    sections = contents[contents["notebook"] == "08_retention_economics"]["section"].tolist()
    assert sections[0].startswith("1. Retention economics") and len(sections) == 8


def test_the_chinese_map_glossary_and_contents_read_in_chinese():
    han = re.compile(r"[\u4e00-\u9fff]")
    english, chinese = cl.course.textbook_map(), cl.course.textbook_map("zh")
    assert chinese["topic"].tolist() == english["中文"].tolist() and "中文" not in chinese
    assert chinese["textbook"].map(han.search).all(), "every textbook part needs a Chinese name in crmlab/locale"
    assert chinese["notebook"].tolist() == english["notebook"].tolist()
    terms = cl.course.glossary("zh")
    assert list(terms.columns) == ["term", "English", "notebook", "meaning"]
    untranslated = terms.loc[~terms["meaning"].map(lambda meaning: bool(han.search(meaning))), "English"].tolist()
    assert not untranslated, f"glossary meanings without a Chinese translation in crmlab/locale: {untranslated}"
    assert terms["English"].tolist() == cl.course.glossary()["English"].tolist()
    contents = cl.course.table_of_contents(lang="zh")
    assert contents.groupby("notebook").size().equals(cl.course.table_of_contents().groupby("notebook").size())
    assert contents.loc[contents["notebook"] == "00_index", "title"].iloc[0].startswith("00 · 索引")
    with pytest.raises(ValueError, match="lang must be"):
        cl.course.glossary("fr")


def test_every_chapter_a_section_heading_cites_has_a_map_row():
    """A ``##`` heading that cites 教材 00x must have a TEXTBOOK_MAP row (notebook, section, 00x)."""
    rows = {(row.notebook, int(row.section.split(".")[0]), row.chapter)
            for row in cl.course.textbook_map().itertuples()}
    contents = cl.course.table_of_contents()
    missing = []
    for row in contents[contents["notebook"] != "00_index"].itertuples():
        number = re.match(r"(\d+)\.", row.section)
        if number is None:
            continue
        for chapter, _ in CITATION.findall(row.section):
            if (row.notebook, int(number.group(1)), chapter) not in rows:
                missing.append((row.notebook, int(number.group(1)), chapter))
    assert not missing, f"cited in a section heading but without a map row: {missing}"


def _glossary_forms(chinese: str) -> list[str]:
    """The forms a glossary entry's Chinese term takes in a text: without its parenthesised notes, each of the
    alternatives it lists (a / b, a、b), spaces dropped."""
    bare = re.sub(r"\([^()]*\)|（[^（）]*）", "", chinese)
    return [part.replace(" ", "") for part in re.split(r"[/、]", bare) if part.strip()]


def test_every_glossary_term_is_used_in_its_notebook():
    """One term, one meaning: each Chinese glossary term occurs, as written, in the Chinese edition of its notebook."""
    folder = cl.paths.PROJECT_ROOT / "notebooks" / "zh"
    texts = {}
    for path in folder.glob("[0-9][0-9]*_*.ipynb"):
        number = cl.studies.notebook_number(path.stem)
        cells = nbformat.read(path, as_version=4).cells
        texts[number] = "".join(cell.source for cell in cells).replace(" ", "")
    unused = [(english, chinese, notebook) for english, chinese, notebook, _ in cl.course.GLOSSARY
              if not any(form in texts[notebook] for form in _glossary_forms(chinese))]
    assert not unused, f"glossary terms that their notebook's Chinese edition does not use: {unused}"


@pytest.mark.parametrize("lang, labels", [
    ("en", ["Prerequisites", "Time", "Read first"]),
    ("zh", ["学习目标", "预备知识", "所需时间", "课前阅读"]),
])
def test_every_content_notebook_opens_with_objectives_prerequisites_time_and_reading(lang, labels):
    """The opening cell of every content notebook names what to learn, what to know first, how long it takes and
    which chapter sections to read, under the same labels in every notebook of an edition."""
    folder = cl.paths.PROJECT_ROOT / "notebooks" / ("zh" if lang == "zh" else "")
    missing = {}
    for path in sorted(folder.glob("[0-9][0-9]*_*.ipynb")):
        if path.stem == "00_index":
            continue
        opening = nbformat.read(path, as_version=4).cells[0].source
        absent = [label for label in labels if f"**{label}" not in opening]
        if lang == "en" and "You will learn to" not in opening and "What you will learn" not in opening:
            absent.append("You will learn to")
        if absent:
            missing[path.stem] = absent
    assert not missing, f"opening cells without these labels: {missing}"
