"""Search across the rendered course, offline: an index of every section and the box that queries it.

:func:`write_search_index` reads the prose of every notebook of a run, section by section (a section
runs from one heading to the next), and writes ``_static/search-index.js``: one record per section
with the page, the heading's anchor on that page (the id nbconvert gives the heading), the notebook's
title, the heading and the section's plain text. It is a script that assigns the records, not a JSON
file, because a page opened from a folder (``file://``) may load scripts but not fetch files.

:func:`search_box` is the HTML of the search field; ``_static/search.js`` filters the records as the
reader types: a section matches when it contains every word of the query (case-insensitive substrings,
so Chinese queries need no word segmentation), the heading matches rank first, and each hit links to
its section with the matched text in context. ``index.html?q=words`` opens the page with that search.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from .i18n import message

__all__ = ["search_records", "write_search_index", "search_box"]

_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")
_MARKUP = [(re.compile(r"<[^>]+>"), " "),                     # HTML tags (MathML included)
           (re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S), " "),  # TeX
           (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),    # links and images: their text
           (re.compile(r"[*_`>#|]+"), " "),                    # emphasis, code, quotes, tables
           (re.compile(r"\s+"), " ")]
_SCRIPT = """\
(function () {
  var box = document.getElementById("crmlab-search"), list = document.getElementById("crmlab-hits");
  if (!box || !list || !window.CRMLAB_SEARCH) { return; }
  function excerpt(text, word) {
    var at = text.toLowerCase().indexOf(word), start = Math.max(0, at - 60);
    return (start > 0 ? "\u2026" : "") + text.slice(start, at + word.length + 100) + "\u2026";
  }
  function show() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(function (w) { return w.length > 0; });
    list.innerHTML = "";
    if (words.length === 0) { return; }
    var hits = window.CRMLAB_SEARCH.filter(function (r) {
      var all = (r.heading + " " + r.text).toLowerCase();
      return words.every(function (w) { return all.indexOf(w) >= 0; });
    });
    hits.sort(function (a, b) {
      var ha = words.every(function (w) { return a.heading.toLowerCase().indexOf(w) >= 0; }) ? 0 : 1;
      var hb = words.every(function (w) { return b.heading.toLowerCase().indexOf(w) >= 0; }) ? 0 : 1;
      return ha - hb;
    });
    hits.slice(0, 50).forEach(function (r) {
      var item = document.createElement("li"), link = document.createElement("a"), note = document.createElement("div");
      link.href = r.page + (r.anchor ? "#" + encodeURIComponent(r.anchor) : "");
      link.textContent = r.title + " \u203a " + r.heading;
      note.className = "crmlab-hit-text";
      note.textContent = excerpt(r.text, words[0]);
      item.appendChild(link); item.appendChild(note); list.appendChild(item);
    });
    if (hits.length === 0) { list.innerHTML = "<li>" + box.dataset.none + "</li>"; }
  }
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) { box.value = asked; }
  box.addEventListener("input", show);
  show();
})();
"""


def _plain(markdown: str) -> str:
    for pattern, replacement in _MARKUP:
        markdown = pattern.sub(replacement, markdown)
    return markdown.strip()


def _anchor(heading_line: str) -> str:
    """The id nbconvert gives this markdown heading on the reader page."""
    from nbconvert.filters import markdown2html

    found = re.search(r'\bid="([^"]*)"', markdown2html(heading_line))
    return html.unescape(found.group(1)) if found else ""


def search_records(notebook, page: str, title: str) -> list[dict]:
    """One record per section of ``notebook`` (as the reader sees it: see :func:`crmlab.site.reader_copy`)."""
    records: list[dict] = []
    current = {"page": page, "anchor": "", "title": title, "heading": title, "text": []}
    for cell in notebook.cells:
        if cell.cell_type != "markdown" or "solution" in cell.get("metadata", {}).get("tags", []):
            continue
        for line in cell.source.splitlines():
            heading = _HEADING.match(line)
            if heading:
                records.append(current)
                current = {"page": page, "anchor": _anchor(line), "title": title,
                           "heading": _plain(heading.group(2)), "text": []}
            else:
                current["text"].append(line)
    records.append(current)
    for record in records:
        record["text"] = _plain("\n".join(record["text"]))
    return [record for record in records if record["text"] or record["anchor"]]


def write_search_index(folder: Path, pages: list[tuple[object, str, str]]) -> Path:
    """Write ``folder/_static/search-index.js`` for ``pages``: (reader notebook, page file name, title) each."""
    from .site import STATIC, copy_static

    copy_static(folder)
    records = [record for notebook, page, title in pages for record in search_records(notebook, page, title)]
    target = Path(folder) / STATIC / "search-index.js"
    target.write_text("window.CRMLAB_SEARCH = " + json.dumps(records, ensure_ascii=False) + ";\n", encoding="utf-8")
    (Path(folder) / STATIC / "search.js").write_text(_SCRIPT, encoding="utf-8")
    return target


def search_box(lang: str) -> str:
    """The search field and its hit list, with the two scripts (placed at the end of the page's body)."""
    from .site import STATIC

    return (f'<div class="crmlab-search" id="search"><input id="crmlab-search" type="search" '
            f'placeholder="{html.escape(message("site_search", lang))}" '
            f'data-none="{html.escape(message("site_search_none", lang))}" autocomplete="off">'
            f'<ol id="crmlab-hits"></ol></div>'
            f'<script src="{STATIC}/search-index.js"></script><script src="{STATIC}/search.js"></script>')
