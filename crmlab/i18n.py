"""Two languages, one code path: the lab's labels and sentences in English and Chinese.

Everything a reader sees — table headers and values, figure titles and axes, segment names,
the sentences a notebook computes from the data — is written in English in the code and looked
up here for the Chinese edition (``lang="zh"``). The course's two editions therefore share every
code cell; only the ``lang`` parameter and the prose differ.

The catalogues are JSON files in ``crmlab/locale/`` (one per area of the lab, so that areas can be
edited independently), each ``{"terms": {english: 中文, …}, "messages": {key: {"en": …, "zh": …}}}``.
Terms translate labels exactly (a whole cell, header or tick label); messages are sentence templates
with ``{name}`` fields formatted from the values the caller passes (``{share:.0%}`` and so on).
Chinese terms follow the textbook's wording (see :mod:`crmlab.course` for the glossary).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pandas as pd

__all__ = ["LANGS", "check_lang", "term", "translate", "message", "listing", "terms", "messages"]

LANGS = ("en", "zh")


def check_lang(lang: str) -> str:
    """``lang`` if it is "en" or "zh"; a ValueError that says so otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'en' (English) or 'zh' (中文), got {lang!r}")
    return lang


@cache
def _catalogues() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """All terms and messages of ``crmlab/locale/*.json``; a term or key defined twice must agree."""
    all_terms: dict[str, str] = {}
    all_messages: dict[str, dict[str, str]] = {}
    for entry in sorted(resources.files("crmlab").joinpath("locale").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        catalogue = json.loads(entry.read_text(encoding="utf-8"))
        for english, chinese in catalogue.get("terms", {}).items():
            if all_terms.setdefault(english, chinese) != chinese:
                raise ValueError(f"locale/{entry.name}: term {english!r} is {chinese!r} here but "
                                 f"{all_terms[english]!r} in another catalogue")
        for key, texts in catalogue.get("messages", {}).items():
            if set(texts) != set(LANGS):
                raise ValueError(f"locale/{entry.name}: message {key!r} needs exactly {LANGS}, has {sorted(texts)}")
            if all_messages.setdefault(key, texts) != texts:
                raise ValueError(f"locale/{entry.name}: message {key!r} is defined twice, differently")
    return all_terms, all_messages


def terms() -> dict[str, str]:
    """English → Chinese, every term of the catalogues."""
    return dict(_catalogues()[0])


def messages() -> dict[str, dict[str, str]]:
    """Every message template, by key, in both languages."""
    return {key: dict(texts) for key, texts in _catalogues()[1].items()}


def term(text, lang: str = "en"):
    """``text`` in ``lang``: unchanged in English or when it is not a catalogued term (numbers, names)."""
    check_lang(lang)
    if lang == "en" or not isinstance(text, str):
        return text
    return _catalogues()[0].get(text, text)


def translate(obj, lang: str = "en"):
    """A DataFrame, Series, Index or string with its labels (headers, index, text values) in ``lang``.

    Only catalogued terms change; numbers and data (customer ids, product names) stay as they are.
    The input is not modified.
    """
    check_lang(lang)
    if lang == "en":
        return obj
    if isinstance(obj, pd.DataFrame):
        frame = obj.copy()
        for column in frame.columns:
            if frame[column].dtype == object or isinstance(frame[column].dtype, pd.CategoricalDtype | pd.StringDtype):
                frame[column] = _translate_values(frame[column], lang)
        frame.columns = translate(frame.columns, lang)
        frame.index = translate(frame.index, lang)
        return frame
    if isinstance(obj, pd.Series):
        series = obj.copy()
        if series.dtype == object or isinstance(series.dtype, pd.CategoricalDtype | pd.StringDtype):
            series = _translate_values(series, lang)
        series.index = translate(series.index, lang)
        return series.rename(term(series.name, lang))
    if isinstance(obj, pd.MultiIndex):
        return obj.set_levels([translate(level, lang) for level in obj.levels]).set_names(
            [term(name, lang) for name in obj.names])
    if isinstance(obj, pd.Index):
        return obj.map(lambda value: term(value, lang)).rename(term(obj.name, lang))
    return term(obj, lang)


def _translate_values(values: pd.Series, lang: str) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.rename_categories(lambda value: term(value, lang))
    return values.map(lambda value: term(value, lang))


def message(key: str, lang: str = "en", **values) -> str:
    """The sentence ``key`` in ``lang``, its ``{fields}`` filled from ``values``."""
    check_lang(lang)
    templates = _catalogues()[1]
    if key not in templates:
        raise KeyError(f"no message {key!r} in crmlab/locale; the keys are {sorted(templates)}")
    try:
        return templates[key][lang].format(**values)
    except KeyError as missing:
        raise TypeError(f"message {key!r} needs the value {missing}") from None


def listing(items, lang: str = "en", pair: str = "–") -> str:
    """Labels joined as ``lang`` writes an enumeration, each translated: ``"Image, Quality"``, ``"企业形象、感知质量"``.

    An item that is a tuple of labels is shown joined by ``pair``: ``"a–b"`` for a pair of constructs, or with
    ``pair=" → "`` for a path.
    """
    check_lang(lang)
    shown = [pair.join(str(term(part, lang)) for part in item) if isinstance(item, tuple) else str(term(item, lang))
             for item in items]
    return ("、" if lang == "zh" else ", ").join(shown)
