"""Smoke tests of the two ways people look at the lab: JupyterLab (``make lab``) and the HTML reports in a browser."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

import crmlab as cl


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(url: str, token: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


async def _execute(channel: str, token: str, code: str) -> str:
    """Send one execute_request over the kernel's websocket (Jupyter messaging protocol) and return the result."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    connection = await websocket_connect(HTTPRequest(channel, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    connection.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex, "msg_type": "execute_request",
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False}}))
    try:
        while True:
            message = json.loads(await asyncio.wait_for(connection.read_message(), timeout=60))
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "execute_result":
                return message["content"]["data"]["text/plain"]
            if message["msg_type"] == "error":
                return f"{message['content']['ename']}: {message['content']['evalue']}"
    finally:
        connection.close()


def test_jupyterlab_serves_the_notebooks_and_runs_a_kernel(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={cl.paths.NOTEBOOKS}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "lab.log").open("w"),
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _request(f"{base}/api/status", token)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s: " + (tmp_path / "lab.log").read_text()[-2000:])
        listing = _request(f"{base}/api/contents", token)
        names = {item["name"] for item in listing["content"]}
        assert {p.name for p in cl.studies.course_notebooks()} <= names
        page = urllib.request.urlopen(urllib.request.Request(f"{base}/lab",
                                                             headers={"Authorization": f"token {token}"}), timeout=10)
        assert "JupyterLab" in page.read().decode()
        kernel = _request(f"{base}/api/kernels", token, method="POST", body={"name": "python3"})
        channel = f"ws://127.0.0.1:{port}/api/kernels/{kernel['id']}/channels"
        result = asyncio.run(_execute(channel, token, "import crmlab; 6 * 7"))
        assert result == "42"
        _request(f"{base}/api/kernels/{kernel['id']}", token, method="DELETE")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CRMLAB_REQUIRE_BROWSER"):
        pytest.fail("CRMLAB_REQUIRE_BROWSER is set but no chromium is installed (.ci/run installs Debian's chromium)")
    return found


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_an_html_report_shows_its_figures_and_tables_in_chromium(tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed here (CI installs it)")
    [executed] = cl.studies.run_notebooks([cl.paths.NOTEBOOKS / "06_kano_ipa_value_map.ipynb"], tmp_path / "run",
                                          progress=False)
    page = executed.with_suffix(".html")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    images = [part.split('"')[0] for part in dom.split('src="data:image/png;base64,')[1:]]
    assert len(images) >= 3, "the notebook's figures are in the rendered page"
    assert all(min(_png_size(base64.b64decode(image))) > 100 for image in images)
    assert dom.count("<table") >= 2 and "Kano" in dom
    shot = tmp_path / "page.png"
    subprocess.run([browser, *flags, "--window-size=1200,2400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    assert _png_size(Path(shot).read_bytes()) == (1200, 2400)


_CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run"]
_GLYPHS = "客户终身价值"


def _glyph_crops(image, box_width: int, top: int, height: int) -> list:
    return [image.crop((i * box_width, top, (i + 1) * box_width, top + height)).convert("L")
            for i in range(len(_GLYPHS))]


def test_a_chinese_report_shows_real_glyphs_and_typeset_equations_without_a_network(tmp_path):
    """The page loads the lab's CJK font from its own _static folder — six different characters give six different
    glyph images (missing glyphs would all be the same box) — and its equation is MathML the browser lays out."""
    from PIL import Image, ImageChops

    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed here (CI installs it)")
    import nbformat

    size = 80
    spans = "".join(f'<span style="display:inline-block;width:{size}px;font-size:{size - 16}px;line-height:{size}px">'
                    f"{c}</span>" for c in _GLYPHS)
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 01 · 客户终身价值\n\n$$CLV = \\sum_{t=1}^{T} \\frac{m\\,r^t}{(1+d)^t}$$"),
        nbformat.v4.new_markdown_cell(f'<div id="glyphs" style="position:fixed;top:0;left:0;background:white;'
                                      f'z-index:10">{spans}</div>')])
    nbformat.write(notebook, tmp_path / "01_zh.ipynb")
    cl.site.render_site(tmp_path, {"study": "course_zh", "notebooks": [{"notebook": "01_zh.ipynb"}]}, lang="zh")
    page = (tmp_path / "01_zh.html").as_uri()
    flags = [*_CHROMIUM_FLAGS, "--virtual-time-budget=10000", f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, f"--window-size={size * 8},{size * 3}", f"--screenshot={shot}", page],
                   capture_output=True, timeout=120)
    crops = _glyph_crops(Image.open(shot), size, 0, size)
    inked = [ImageChops.invert(c).getbbox() is not None for c in crops]
    assert all(inked), "every character draws something"
    differences = [ImageChops.difference(a, b).getbbox() is not None for i, a in enumerate(crops)
                   for b in crops[i + 1:]]
    assert all(differences), "identical glyph images: the characters fell back to the missing-glyph box"
    dom = subprocess.run([browser, *flags, "--dump-dom", page], capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<math") == 1 and "<munderover" in dom and "$$" not in dom, "the equation is MathML"


@pytest.mark.parametrize("edition", ["", "zh"])
def test_every_equation_of_the_course_typesets_offline(tmp_path, edition):
    """All markdown of an edition on one reader page: every formula is MathML, none is left as TeX."""
    import nbformat

    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed here (CI installs it)")
    cells = [cell for path in cl.studies.course_notebooks(cl.paths.NOTEBOOKS / edition)
             for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]
    formulas = sum(cell.source.count("$$") // 2 for cell in cells)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "00_all.ipynb")
    cl.site.render_site(tmp_path, {"study": "all", "notebooks": [{"notebook": "00_all.ipynb"}]},
                        lang=edition or "en")
    dom = subprocess.run([browser, *_CHROMIUM_FLAGS, "--virtual-time-budget=5000",
                          f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", (tmp_path / "00_all.html").as_uri()],
                         capture_output=True, text=True, timeout=180).stdout
    assert formulas >= 3 and dom.count('display="block"') >= formulas
    assert "$$" not in dom and "\\frac" not in dom and "\\sum" not in dom


@pytest.mark.parametrize(("lang", "query", "heading"), [("en", "whale CURVE", "2. Profit per customer"),
                                                         ("zh", "鲸鱼 曲线", "2. 客户利润")])
def test_the_course_search_finds_a_section_in_either_language_offline(tmp_path, lang, query, heading):
    """The index page's search box, in a browser with no network: every word of the query must occur in the
    section; the hit links to the section's anchor on its page."""
    import nbformat

    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed here (CI installs it)")
    words = {"en": ("The whale curve ranks customers by profit.", "Customers ranked by revenue."),
             "zh": ("鲸鱼曲线按利润给客户排序。", "按收入给客户排序。")}[lang]
    first_heading = {"en": "1. Revenue", "zh": "1. 收入"}[lang]
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# 02 · Value\n\n## {first_heading}\n\n{words[1]}"),
        nbformat.v4.new_markdown_cell(f"## {heading}\n\n{words[0]}")])
    nbformat.write(notebook, tmp_path / "02_value.ipynb")
    cl.site.render_site(tmp_path, {"study": "course", "notebooks": [{"notebook": "02_value.ipynb"}]}, lang=lang)
    page = (tmp_path / "02_value.html").read_text(encoding="utf-8")
    url = (tmp_path / "index.html").as_uri() + "?q=" + query.replace(" ", "%20")
    dom = subprocess.run([browser, *_CHROMIUM_FLAGS, "--virtual-time-budget=5000",
                          f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120).stdout
    hits = re.findall(r'<li><a href="02_value\.html#([^"]*)">([^<]*)</a>', dom)
    assert len(hits) == 1 and hits[0][1].endswith(heading), hits
    from urllib.parse import unquote

    assert f'id="{unquote(hits[0][0])}"' in page, "the hit's anchor is the heading's id on the page"
