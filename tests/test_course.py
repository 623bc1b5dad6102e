"""The course map: every textbook topic points at a notebook section that exists; the glossary is complete."""

from __future__ import annotations

import crmlab as cl


def test_every_textbook_topic_maps_to_an_existing_section():
    mapping = cl.course.textbook_map()
    assert mapping["section"].notna().all(), mapping[mapping["section"].isna()]
    parts = set(mapping["textbook"])
    assert parts == {"CRM vision and goals", "CRM strategy and customer analysis", "The business case for CRM",
                     "Customers", "Segmentation and core customers"}  # the five parts of ../shared/textbook


def test_every_content_notebook_is_mapped_and_has_glossary_terms():
    notebooks = {p.stem for p in cl.studies.course_notebooks()} - {"00_index"}
    assert set(cl.course.textbook_map()["notebook"]) == notebooks
    assert {f"{n:02d}" for n in range(1, 9)} == set(cl.course.glossary()["notebook"])
    terms = cl.course.glossary()
    assert not terms["English"].duplicated().any() and terms["中文"].str.len().gt(0).all()


def test_table_of_contents_reads_numbered_sections():
    contents = cl.course.table_of_contents()
    sections = contents[contents["notebook"] == "08_retention_economics"]["section"].tolist()
    assert sections[0].startswith("1. Retention economics") and len(sections) == 8
