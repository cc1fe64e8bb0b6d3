"""Helpers for tests/site/test_site.py and test_explorer.py: build the site, serve it on 127.0.0.1, inspect its pages.

Kept apart from the tests so that the screenshot script and the tests share one definition of
"a page with math" and one static server.
"""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[2]
INSTALL_HINT = "run `bash scripts/install_chromium.sh` (installs the Debian package `chromium`)"

# Flags for a headless Chromium that must not phone home: any request it makes is one we can see.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Path of the system Chromium (Debian's `chromium`), or None when it is not installed."""
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass
class Build:
    site: Path
    returncode: int
    seconds: float
    log: str


def build_site(out: Path, config_dir: Path = REPO) -> Build:
    """`mkdocs build --strict` into `out`, without -q/-v (both make a broken link exit 0)."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=config_dir, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    return Build(out, proc.returncode, seconds, proc.stdout + proc.stderr)


def site_url(config: Path = REPO / "mkdocs.yml") -> str:
    """`site_url` from mkdocs.yml (read with a regex: the file uses MkDocs-only YAML tags)."""
    match = re.search(r"^site_url:\s*(\S+)\s*$", config.read_text(encoding="utf-8"), re.M)
    assert match, "mkdocs.yml has no site_url (Material's instant navigation needs one)"
    return match.group(1).rstrip("/") + "/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"            # the site is served under the path of its site_url, as on GitHub Pages
    origin_from = ""        # site_url origin, e.g. https://lstm-book.github.io
    origin_to = ""          # this server's origin, e.g. http://127.0.0.1:41234

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass

    def translate_path(self, path):
        if not path.startswith(self.prefix) and path + "/" != self.prefix:
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path("/" + path[len(self.prefix):])

    def do_GET(self):
        # Material's instant navigation only intercepts links listed in sitemap.xml, whose URLs
        # carry the site_url origin. `mkdocs serve` rewrites site_url to its own address for the
        # same reason; a static server has to rewrite the sitemap's origin instead.
        if self.path.split("?")[0].endswith("/sitemap.xml"):
            body = Path(self.translate_path(self.path.split("?")[0])).read_bytes()
            body = body.replace(self.origin_from.encode(), self.origin_to.encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


class StaticServer:
    """Serve a built site on 127.0.0.1 (free port) from a daemon thread, under the path of its
    site_url (e.g. http://127.0.0.1:PORT/lstm-from-first-principles/)."""

    def __init__(self, root: Path, url: str | None = None):
        parts = urlsplit(url or site_url())
        handler = type("Handler", (_Handler,), {"prefix": parts.path or "/",
                                               "origin_from": f"{parts.scheme}://{parts.netloc}"})
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        host, port = self.httpd.server_address[:2]
        handler.origin_to = f"http://{host}:{port}"
        self.url = f"http://{host}:{port}{handler.prefix}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "StaticServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------------------------
# Static inspection of the built HTML
# ---------------------------------------------------------------------------------------------

# TeX delimiters as MathJax is configured to find them (docs/javascripts/mathjax.js).
_TEX = re.compile(r"\$\$.+?\$\$|\$[^\s$][^$]*?\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)


@dataclass
class PageInfo:
    path: Path          # file in the built site
    url_path: str       # path relative to the site root, as served ("part1-math/lstm-cell/")
    arithmatex: int     # formulas written with arithmatex (one MathJax container each)
    nb_math_cells: list  # indices of notebook Markdown cells that contain TeX
    title: str = ""     # the page's <title>, to tell when instant navigation has swapped it in

    @property
    def has_math(self) -> bool:
        return self.arithmatex > 0 or bool(self.nb_math_cells)


def scan_pages(site: Path) -> list[PageInfo]:
    """Every HTML page of the built site (except 404.html), with its math content."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel == "404.html":
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        arithmatex = len(soup.select(".arithmatex"))
        nb_math_cells = []
        for index, cell in enumerate(soup.select(".jp-RenderedMarkdown")):
            for code in cell.find_all(["code", "pre"]):   # MathJax skips these too
                code.decompose()
            if _TEX.search(cell.get_text()):
                nb_math_cells.append(index)
        url_path = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        title = soup.title.get_text() if soup.title else ""
        pages.append(PageInfo(path, url_path, arithmatex, nb_math_cells, title))
    return pages


# ---------------------------------------------------------------------------------------------
# Browser-side checks (Playwright, sync API)
# ---------------------------------------------------------------------------------------------

WAIT_TYPESET_JS = """
async ([nbCells]) => {
  await window.MathJax.startup.promise;
  const done = () => {
    const holders = [...document.querySelectorAll('.arithmatex')];
    const cells = [...document.querySelectorAll('.jp-RenderedMarkdown')];
    for (const i of nbCells) holders.push(cells[i]);
    return holders.length > 0 && holders.every(h => h && h.querySelector('mjx-container'));
  };
  const t0 = performance.now();
  while (!done()) {
    if (performance.now() - t0 > 20000) return false;
    await new Promise(r => setTimeout(r, 50));
  }
  // load every image now (lazy ones too) so that a missing figure shows up as a broken image
  const images = [...document.images];
  images.forEach(i => { i.loading = 'eager'; });
  await Promise.race([
    Promise.all(images.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; }))),
    new Promise(r => setTimeout(r, 10000)),
  ]);
  return true;
}
"""

# Run after typesetting. Opens folded answers and shows every content tab so that every formula
# has a layout box, then measures. MathJax 4 writes each glyph as text in an `mjx-c` set in its own
# web font (MathJax 3 wrote it as the `::before` content of CSS that could be cleared: the trap
# described in DESIGN.md); a glyph with neither, or not in a MathJax font, is a formula that does
# not show as typeset.
INSPECT_JS = """
() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const s = document.createElement('style');
  s.textContent = '.tabbed-block { display: block !important; }';
  document.head.appendChild(s);
  const containers = [...document.querySelectorAll('mjx-container')];
  const zeroBox = containers.filter(c => {
    const r = c.getBoundingClientRect();
    return !(r.width > 0 && r.height > 0);
  }).map(c => (c.closest('.arithmatex') || c.parentElement).textContent.slice(0, 80));
  const glyphs = [...document.querySelectorAll('mjx-container mjx-c')];
  // U+2061..U+2064 (function application, invisible times/separator/plus) and U+200B are
  // meant to be empty; every other glyph must show its character.
  const invisible = /^mjx-c(2061|2062|2063|2064|200B)$/;
  const blank = glyphs.filter(g => {
    if (g.textContent !== '') return false;
    const c = getComputedStyle(g, '::before').content;
    if (c === 'none' || c === 'normal') return true;
    return (c === '""' || c === '') && !invisible.test(g.className.trim());
  }).length;
  const unstyled = glyphs.filter(g => !/MJX-/.test(getComputedStyle(g).fontFamily)).length;
  const rawTex = [...document.querySelectorAll('.arithmatex')]
    .filter(a => !a.querySelector('mjx-container')).map(a => a.textContent.slice(0, 80));
  const fontErrors = [...document.fonts].filter(f => f.status === 'error').map(f => f.family);
  const wideDisplay = [...document.querySelectorAll('.md-content div.arithmatex')].filter(d => {
    const r = d.getBoundingClientRect();
    return r.right > document.documentElement.clientWidth + 1;
  }).length;
  const brokenImages = [...document.images]
    .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  return {
    brokenImages,
    containers: containers.length,
    zeroBox, glyphs: glyphs.length, blankGlyphs: blank, unstyledGlyphs: unstyled,
    merrors: document.querySelectorAll('mjx-merror').length,
    rawTex, fontErrors, wideDisplay,
  };
}
"""


# Blocks of the article that make the whole page wider than the viewport (each is hidden in turn;
# a block whose removal restores the width is a culprit). Wide display math and tables must
# scroll inside their own box instead; long inline formulas cannot, so they must not exist.
PAGE_OVERFLOW_JS = """
() => {
  const root = document.documentElement, W = root.clientWidth;
  if (root.scrollWidth <= W + 1) return [];
  const culprits = [];
  for (const block of document.querySelectorAll('article.md-content__inner > *')) {
    const display = block.style.display;
    block.style.display = 'none';
    if (root.scrollWidth <= W + 1) culprits.push(block.textContent.trim().slice(0, 80));
    block.style.display = display;
  }
  return culprits.length ? culprits : [`page is ${root.scrollWidth}px wide`];
}
"""


# A phone's view of the display formulas. Opens every folded answer and shows every content tab in
# turn, as a reader would (each reveal is an event that mathjax.js answers by measuring the formula
# again), then checks each display formula in view: its box stays inside the page, and when the
# formula is wider than its box, the box scrolls, carries the scroll cue of extra.css (shadow
# gradients) and keeps the equation numbers inside it.
PHONE_MATH_JS = """
async () => {
  const settle = async () => { await new Promise(r => setTimeout(r, 60)); await MathJax.startup.promise; };
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  await settle();
  const seen = new Set(), problems = [];
  let scrolling = 0;
  const check = (scope) => {
    for (const c of scope.querySelectorAll('mjx-container[display="true"]')) {
      if (seen.has(c) || !c.getClientRects().length) continue;
      seen.add(c);
      const box = c.closest('div.arithmatex') || c, b = box.getBoundingClientRect();
      const tex = (box.textContent || '').trim().slice(0, 60);
      const style = getComputedStyle(box);
      if (b.right > document.documentElement.clientWidth + 1 || b.left < -1)
        problems.push(`reaches past the page (${Math.round(b.left)}..${Math.round(b.right)} px): ${tex}`);
      if (box.scrollWidth <= box.clientWidth + 1) continue;
      scrolling += 1;
      if (!/auto|scroll/.test(style.overflowX))
        problems.push(`clipped (${box.scrollWidth} px in ${box.clientWidth} px, no scrolling): ${tex}`);
      else if (!/gradient/.test(style.backgroundImage))
        problems.push(`scrolls without a cue (${box.scrollWidth} px in ${box.clientWidth} px): ${tex}`);
      for (const label of c.querySelectorAll('mjx-labels mjx-mtd')) {
        const r = label.getBoundingClientRect();
        if (r.width > 0 && (r.right > b.right + 1 || r.left < b.left - 1))
          problems.push(`equation number ${label.textContent} out of view: ${tex}`);
      }
    }
  };
  check(document);
  for (const set of document.querySelectorAll('.tabbed-set')) {
    for (const input of set.querySelectorAll(':scope > input')) {
      set.querySelector(`label[for="${input.id}"]`).click();
      await settle(); await settle();
      check(set);
    }
  }
  return {formulas: seen.size, scrolling, problems};
}
"""


def is_local(url: str) -> bool:
    return (url.startswith("http://127.0.0.1:") or url.startswith("data:")
            or url.startswith("blob:") or url.startswith("about:"))


class Recorder:
    """Attach to a page: every request, every failed local response, every uncaught JS error."""

    def __init__(self, context, page):
        self.requests, self.remote, self.failed, self.js_errors = [], [], [], []

        def route(route):
            url = route.request.url
            if is_local(url):
                route.continue_()
            else:                      # never let the test touch the network; record it instead
                self.remote.append(url)
                route.abort()

        context.route("**/*", route)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda e: self.js_errors.append(str(e)))


def new_page(browser, width=1280, height=900, **options):
    """A fresh context and page (service workers blocked) with a :class:`Recorder` attached;
    ``options`` go to ``browser.new_context`` (e.g. ``color_scheme="dark"``)."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  service_workers="block", **options)
    page = context.new_page()
    return context, page, Recorder(context, page)
