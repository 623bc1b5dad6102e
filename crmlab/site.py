"""The rendered course: executed notebooks as HTML pages and an index page, readable without a network.

A study run (:mod:`crmlab.studies`) ends with :func:`render_site`, which writes beside the executed
notebooks

* one HTML page per notebook, as a reader should see it: Papermill's injected-parameters cell and the
  ``# NBVAL_CHECK_OUTPUT`` markers of the tests are left out, solutions are folded behind a
  "Show solution / 显示答案" toggle, and a navigation bar links the previous and next notebooks and the
  contents;
* ``index.html``: the contents in order with each notebook's sections, the textbook map, the glossary
  and a summary of the run's manifest (parameters, inputs and their hashes, versions, timings);
* ``_static/search-index.js``: every section's text, for the search box of the index page
  (:mod:`crmlab.site_search`; the pages' navigation bars link to it);
* ``_static/``: what the pages load — the lab's CJK font (so Chinese text has real glyphs on a machine
  without one) and a style sheet. Nothing is fetched from a CDN: the folder can be copied and opened
  anywhere.

Equations are turned into MathML when the page is written (``latex2mathml``), which every current
browser draws itself: a page needs no script to show its formulas, so none can fail to load.
(MathJax typesets in the browser and loads its fonts as it goes, which a page opened from a folder,
or a browser under test, does not always wait for.)
"""

from __future__ import annotations

import copy
import html
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from .i18n import check_lang, message
from .site_search import search_box, write_search_index

__all__ = ["render_site", "render_page", "reader_copy", "write_index", "write_summary", "copy_static", "mathml"]

STATIC = "_static"
#: $$display$$ and $inline$ TeX in markdown, as Jupyter reads it (code spans are left alone).
_MATH = re.compile(r"(`[^`]*`)|\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$", re.S)
_TOGGLE = "crmlab-solution-toggle"
_MARKER = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+\s*\n?", re.MULTILINE)
_CSS = """
@font-face { font-family: "Crmlab Sans SC"; src: url("CrmlabSansSC-Regular.otf") format("opentype");
  font-display: block; unicode-range: U+2460-24FF, U+2E80-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF; }
:root {
  --jp-content-font-family: "Crmlab Sans SC", system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  --jp-ui-font-family: "Crmlab Sans SC", system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  --jp-code-font-family: "Crmlab Sans SC", "DejaVu Sans Mono", Menlo, Consolas, monospace; }
body, table { font-family: var(--jp-content-font-family); }
nav.crmlab-nav { display: flex; justify-content: space-between; gap: 1em; padding: 0.6em 1em; margin: 0.5em 0;
  background: #f4f6f8; border-radius: 6px; font-size: 0.95em; }
nav.crmlab-nav a { text-decoration: none; }
details.crmlab-solution { margin: 0.5em 0 1em 0; border-left: 3px solid #6b9bd1; padding-left: 0.6em; }
details.crmlab-solution > summary { cursor: pointer; color: #285a8c; font-weight: 600; }
.crmlab-index { max-width: 1100px; margin: 1em auto; padding: 0 1em; line-height: 1.5; }
.crmlab-index table { border-collapse: collapse; font-size: 0.9em; }
.crmlab-index td, .crmlab-index th { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left;
  vertical-align: top; }
.crmlab-search input { width: 100%; max-width: 40em; font-size: 1.05em; padding: 0.4em 0.6em; }
.crmlab-search ol { padding-left: 1.2em; }
.crmlab-hit-text { color: #555; font-size: 0.9em; }
"""


def copy_static(folder: Path) -> Path:
    """Copy the CJK font (with its licence) and the style sheet into ``folder/_static`` (once per folder)."""
    target = Path(folder) / STATIC
    if (target / "crmlab.css").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    fonts = resources.files("crmlab").joinpath("fonts")
    for name in ("CrmlabSansSC-Regular.otf", "OFL.txt"):
        (target / name).write_bytes(fonts.joinpath(name).read_bytes())
    (target / "crmlab.css").write_text(_CSS, encoding="utf-8")
    return target


def mathml(markdown: str) -> str:
    """``markdown`` with its TeX formulas ($$…$$ and $…$) replaced by MathML (code spans untouched)."""
    from latex2mathml.converter import convert

    def replace(match: re.Match) -> str:
        code, display, inline = match.groups()
        if code is not None:
            return code
        tex = display if display is not None else inline
        return convert(tex.strip(), display="block" if display is not None else "inline")

    return _MATH.sub(replace, markdown)


def reader_copy(notebook, lang: str = "en"):
    """The notebook as a reader should see it (see the module docstring); ``notebook`` is not modified."""

    check_lang(lang)
    summary = message("site_show_solution", lang)
    cells = []
    for cell in copy.deepcopy(notebook).cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = mathml(cell.source)
        if cell.cell_type == "code":
            cell.source = _MARKER.sub("", cell.source)
            cell.outputs = [_without_widgets(output) for output in cell.get("outputs", [])]
        if "solution" in tags:
            cells += [_toggle(f'<details class="crmlab-solution"><summary>{html.escape(summary)}</summary>'), cell,
                      _toggle("</details>")]
        else:
            cells.append(cell)
    reader = copy.deepcopy(notebook)
    reader.cells = cells
    reader.metadata.pop("widgets", None)
    return reader


def _toggle(markup: str):
    """A raw cell holding half of a solution's <details> element; the crmlab_html template writes it out as it is
    (nbconvert would sanitise an unbalanced tag into visible text)."""
    import nbformat

    return nbformat.v4.new_raw_cell(markup, metadata={"raw_mimetype": "text/html", "tags": [_TOGGLE]})


def _without_widgets(output):
    """A progress-bar widget needs a widget manager from the network; its text form says the same."""
    data = output.get("data")
    if data and "application/vnd.jupyter.widget-view+json" in data:
        output = copy.deepcopy(output)
        output["data"] = {k: v for k, v in data.items() if k != "application/vnd.jupyter.widget-view+json"}
    return output


def _title(notebook, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _sections(notebook) -> list[str]:
    return [line[3:].strip() for cell in notebook.cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("## ")]


def _navigation(previous: tuple[str, str] | None, following: tuple[str, str] | None, lang: str) -> str:
    left = f'<a href="{html.escape(previous[1])}">← {html.escape(previous[0])}</a>' if previous else "<span></span>"
    right = f'<a href="{html.escape(following[1])}">{html.escape(following[0])} →</a>' if following else \
        "<span></span>"
    middle = (f'<span><a href="index.html">{html.escape(message("site_contents", lang))}</a> · '
              f'<a href="index.html#search">{html.escape(message("site_search_link", lang))}</a></span>')
    return f'<nav class="crmlab-nav">{left}{middle}{right}</nav>'


def render_page(notebook_path: Path, *, lang: str = "en", previous: tuple[str, str] | None = None,
                following: tuple[str, str] | None = None) -> Path:
    """Write the reader's HTML page of an executed notebook beside it (``.html``); return its path."""
    import nbformat
    from nbconvert import HTMLExporter

    folder = Path(notebook_path).parent
    copy_static(folder)
    exporter = HTMLExporter(template_name="crmlab_html",
                            extra_template_basedirs=[str(resources.files("crmlab").joinpath("templates"))])
    notebook = nbformat.read(notebook_path, as_version=4)
    extra = {"crmlab": {"static": STATIC, "navigation": _navigation(previous, following, lang)},
             "metadata": {"name": _title(notebook, Path(notebook_path).stem)}}
    page, _ = exporter.from_notebook_node(reader_copy(notebook, lang), resources=extra)
    target = Path(notebook_path).with_suffix(".html")
    target.write_text(page, encoding="utf-8")
    return target


def render_site(folder: Path, record: dict, *, lang: str = "en") -> Path:
    """Render every executed notebook of a run (``record["notebooks"]``, in order) and the index; return the index."""
    import nbformat

    folder = Path(folder)
    names = [entry["notebook"] for entry in record["notebooks"] if (folder / entry["notebook"]).is_file()]
    titles = {name: _title(nbformat.read(folder / name, as_version=4), name) for name in names}
    def link(position: int) -> tuple[str, str] | None:
        if not 0 <= position < len(names):
            return None
        return titles[names[position]], Path(names[position]).with_suffix(".html").name

    for position, name in enumerate(names):
        render_page(folder / name, lang=lang, previous=link(position - 1), following=link(position + 1))
    write_search_index(folder, [(reader_copy(nbformat.read(folder / name, as_version=4), lang),
                                 Path(name).with_suffix(".html").name, titles[name]) for name in names])
    return write_index(folder, record, lang=lang)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, escape=True)


def write_index(folder: Path, record: dict, *, lang: str = "en") -> Path:
    """``folder/index.html``: contents, textbook map, glossary and the run's manifest (see the module docstring)."""
    import nbformat

    from . import course
    from .display import table

    check_lang(lang)
    folder = Path(folder)
    copy_static(folder)

    def say(key: str, **values) -> str:
        return html.escape(message(key, lang, **values))

    items = []
    for entry in record.get("notebooks", []):
        path = folder / entry["notebook"]
        if not path.is_file():
            items.append(f"<li>{html.escape(entry['notebook'])} — {html.escape(str(entry.get('status', '')))}</li>")
            continue
        notebook = nbformat.read(path, as_version=4)
        sections = "".join(f"<li>{html.escape(s)}</li>" for s in _sections(notebook))
        seconds = say("site_seconds", seconds=entry.get("seconds", 0.0))
        items.append(f'<li><a href="{html.escape(path.with_suffix(".html").name)}">'
                     f"{html.escape(_title(notebook, path.stem))}</a> <small>({seconds})</small>"
                     f"<ol>{sections}</ol></li>")
    parameters = {k: v for e in record.get("notebooks", []) for k, v in e.get("parameters", {}).items()}
    inputs = pd.DataFrame(record.get("inputs", []), columns=["path", "bytes", "sha256"])
    versions = pd.DataFrame(sorted(record.get("versions", {}).items()), columns=["package", "version"])
    git = record.get("git", {})
    run = pd.DataFrame([(k, str(v)) for k, v in (("study", record.get("study")), ("status", record.get("status")),
                                                  ("started", record.get("started")),
                                                  ("finished", record.get("finished")),
                                                  ("git", git.get("commit", git) if isinstance(git, dict) else git))
                        if v is not None] + sorted((k, repr(v)) for k, v in parameters.items()),
                       columns=["", ""])
    title = html.escape(record.get("title") or record.get("study") or message("site_contents", lang))
    summary = f'<p><a href="summary.html">{say("summary_link")}</a></p>' if (folder / "summary.html").is_file() else ""
    body = f"""<h1>{title}</h1>{search_box(lang)}
{summary}<h2>{say("site_contents")}</h2><ol>{''.join(items)}</ol>
<h2>{say("site_textbook_map")}</h2>{_table(table(course.textbook_map(lang), lang).strings)}
<h2>{say("site_glossary")}</h2>{_table(table(course.glossary(lang), lang, verbatim=["English"]).strings)}
<h2>{say("site_run")}</h2>{run.to_html(index=False, header=False, border=0)}
<h3>{say("site_inputs")}</h3>{_table(inputs)}
<h3>{say("site_versions")}</h3>{_table(versions)}"""
    page = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<title>{title}</title><link rel="stylesheet" href="{STATIC}/crmlab.css"></head>'
            f'<body><main class="crmlab-index">{body}</main></body></html>')
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def _figure(name: str, value) -> str:
    """A number or text of :mod:`crmlab.results` as a reader reads it (shares as percentages, dates without a
    midnight time)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if name.endswith("_share") and isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3f}"
    return str(value).removesuffix("T00:00:00")


def _figure_table(key: str, value) -> pd.DataFrame | None:
    """One result of :mod:`crmlab.results` as a table (None for a plain number or text)."""
    if not isinstance(value, dict):
        return None
    if "params" in value:  # one fitted model
        value = {value.get("model", key): value}
    items = list(value.values())
    if items and all(isinstance(v, dict) and "params" in v for v in items):
        return pd.DataFrame({name: {**fitted["params"], "log_likelihood": fitted.get("log_likelihood"),
                                    "bic": fitted.get("bic")} for name, fitted in value.items()}).T
    if items and all(isinstance(v, dict) and "metrics" in v for v in items):
        return pd.DataFrame({name: evaluation["metrics"].get("model", {}) for name, evaluation in value.items()}).T
    if key == "data_quality":
        return pd.Series({"rows_in": value["rows_in"], "rows_kept": value["rows_kept"],
                          "customers": value["customers_kept"], **value.get("dropped", {})}, name="rows").to_frame()
    if items and all(isinstance(v, dict) for v in items):
        return pd.DataFrame.from_dict(value, orient="index")
    return pd.Series(value, name=key).to_frame()


def write_summary(folder: Path, record: dict, results: dict, *, lang: str = "en") -> Path:
    """``folder/summary.html``: one page with the run's key figures (the data and what cleaning dropped, then each
    notebook's results of :func:`crmlab.results.collect_results`), each notebook's title linking to its page."""
    import nbformat

    from .display import table
    from .i18n import term
    from .quality import DROP_REASONS

    check_lang(lang)
    folder = Path(folder)
    copy_static(folder)

    def shown(frame: pd.DataFrame) -> str:
        return table(frame, lang, decimals=3).strings.to_html(border=0, escape=True, classes="crmlab-table")

    sections = []
    quality = record.get("data_quality")
    if quality:
        dropped = pd.Series(quality.get("dropped", {}), name="rows", dtype="int64").rename(DROP_REASONS)
        head = html.escape(message("summary_data", lang, source=quality["source"], rows=quality["rows"],
                                   kept=quality.get("rows_kept") or 0, customers=quality.get("customers_kept") or 0))
        sections.append(f"<p>{head}</p>" + (shown(dropped.rename_axis("reason").to_frame()) if len(dropped) else ""))
    for entry in record.get("notebooks", []):
        path = folder / entry["notebook"]
        figures = results.get(Path(entry["notebook"]).stem, {})
        title = _title(nbformat.read(path, as_version=4), path.stem) if path.is_file() else path.stem
        numbers = {term(k, lang): _figure(k, v) for k, v in figures.items() if not isinstance(v, dict)}
        tables = [(k, _figure_table(k, v)) for k, v in figures.items() if isinstance(v, dict) and k != "data_quality"]
        body = shown(pd.Series(numbers, name="value").rename_axis("").to_frame()) if numbers else ""
        body += "".join(f"<h3>{html.escape(term(k, lang))}</h3>{shown(frame)}" for k, frame in tables)
        sections.append(f'<h2><a href="{html.escape(path.with_suffix(".html").name)}">{html.escape(title)}</a></h2>'
                        f"{body}")
    title = html.escape(message("summary_title", lang, study=record.get("title") or record.get("study", "")))
    page = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<title>{title}</title><link rel="stylesheet" href="{STATIC}/crmlab.css"></head>'
            f'<body><main class="crmlab-index"><h1>{title}</h1><p><a href="index.html">'
            f'{html.escape(message("site_contents", lang))}</a></p>{"".join(sections)}</main></body></html>')
    target = folder / "summary.html"
    target.write_text(page, encoding="utf-8")
    return target
