#!/usr/bin/env python
"""The book as one PDF, printed from the built site by the Chromium the browser tests use.

    python scripts/build_pdf.py                       # docs/lstm-from-first-principles.pdf, every page of the nav
    python scripts/build_pdf.py --out /tmp/slice.pdf --pages index.md part1-math/lstm-cell.md   # a slice

1. Build the site with mkdocs-print-site-plugin added: one more page, print_page/, holds every page of
   the nav in order, after a cover and a table of contents that links to each chapter.
2. Make that page printable: each interactive widget becomes a still frame (a screenshot of it working on
   its own page) and a link to that page on the published site; folded answers are unfolded; content
   tabs are set one after another under their labels.
3. Open it in Chromium as an A4 page in the light palette, wait until MathJax has typeset every formula
   (breaking long ones at the printed column's width) and every image has loaded, and print it, with
   page numbers. Code listings wrap (the print rules of extra.css).

The PDF is the same for the same sources except for the date on its cover and in its metadata.
"""
from __future__ import annotations

import argparse
import base64
import datetime
import functools
import http.server
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "lstm-from-first-principles.pdf"
sys.path.insert(0, str(ROOT / "scripts"))
import mkdocs_hooks  # noqa: E402  (the notebook clean-up the print page skips)

# The root element of every interactive widget of the book (a new widget adds its class here).
WIDGETS = (".lstm-explorer", ".forget-widget", ".charlm-typer", ".lstm-playground")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The page is A4 with 12 mm side margins (the @page rule of extra.css, which also numbers the pages):
# a printed column of 186 mm, 703 CSS pixels, the width the pages are laid out at, so that MathJax
# measures the column the formulas are printed in.
COLUMN_PX = round((210 - 2 * 12) / 25.4 * 96)
# Widgets are photographed without the site's sticky header and back-to-top button over them, and
# without what would make two photographs differ (a blinking caret, scroll bars that fade).
SCREEN_ONLY_CSS = """
.md-header, .md-tabs, .md-top { display: none !important; }
* { caret-color: transparent !important; scrollbar-width: none !important; }
textarea { resize: none !important; }
"""

log = logging.getLogger("build_pdf")


def chromium_path() -> str:
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("Chromium is not installed: run `bash scripts/install_chromium.sh`")


# ---------------------------------------------------------------------------------------------
# 1. The site, with its print page
# ---------------------------------------------------------------------------------------------

def site_config(site_dir: Path, pages: list[str] | None):
    """mkdocs.yml plus the print-site plugin (strict for the whole book; a slice leaves pages out of
    the nav, which strict mode would refuse)."""
    from mkdocs.config import load_config
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.utils.yaml import get_yaml_loader, yaml_load

    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:       # the plugins as written there
        plugins = yaml_load(f, get_yaml_loader(config=MkDocsConfig()))["plugins"]
    print_site = {"add_cover_page": True, "add_table_of_contents": True, "toc_title": "Contents",
                  "toc_depth": 2, "enumerate_headings": False, "enumerate_figures": False}
    overrides = {"site_dir": str(site_dir), "plugins": [*plugins, {"print-site": print_site}]}
    if pages:
        overrides.update(nav=pages, strict=False)
    return load_config(config_file=str(ROOT / "mkdocs.yml"), **overrides)


def build_site(site_dir: Path, pages: list[str] | None) -> None:
    """`mkdocs build` with the print page, in a Python with a fixed hash seed: the plugin resolves
    the API page's cross-references by a search over a set of anchors, so their targets follow the
    set's iteration order."""
    command = [sys.executable, __file__, "--site-only", str(site_dir), *(["--pages", *pages] if pages else [])]
    subprocess.run(command, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})


def _build_site_here(site_dir: Path, pages: list[str] | None) -> None:
    from mkdocs.commands.build import build

    plugin_log = logging.getLogger("mkdocs.plugins")
    plugin_log.addFilter(_hooks_come_last)
    try:
        build(site_config(site_dir, pages))
    finally:
        plugin_log.removeFilter(_hooks_come_last)


def _hooks_come_last(record: logging.LogRecord) -> bool:
    """The plugin wants to be the last plugin and counts mkdocs.yml's `hooks:` only when written as a
    mapping; ours are a list, which MkDocs runs after every plugin, so the warning is spurious (and
    would stop the strict build). The hooks' page changes (notebook links, the PDF link) stay out
    of the print page; their clean-up of notebook pages is applied by `printable`."""
    return "should be defined as the *last* plugin" not in record.getMessage()


# ---------------------------------------------------------------------------------------------
# 2. The print page made printable
# ---------------------------------------------------------------------------------------------

def still_frame(soup: BeautifulSoup, jpeg: bytes, page_url: str, alt: str):
    figure = soup.new_tag("figure", attrs={"class": "widget-still"})
    figure.append(soup.new_tag("img", src="data:image/jpeg;base64," + base64.b64encode(jpeg).decode(), alt=alt))
    caption = soup.new_tag("figcaption")
    caption.append("A still of an interactive part of this page; it runs live at ")
    link = soup.new_tag("a", href=page_url)
    link.string = page_url
    caption.append(link)
    figure.append(caption)
    return figure


def printable(html: str, stills: dict[str, list[bytes]], site_url: str, date: str) -> str:
    """The print page with widgets as still frames, answers unfolded, tabs in sequence, a dated cover."""
    soup = BeautifulSoup(mkdocs_hooks.on_post_page(html, None, None), "html.parser")
    for section in soup.select("section.print-page[id]"):
        url = section_url(section["id"], stills)
        widgets = section.select(", ".join(WIDGETS))
        for widget, jpeg in zip(widgets, stills.get(url, [])):
            widget.replace_with(still_frame(soup, jpeg, site_url + url, f"The interactive widget of {site_url + url}"))
    here = site_url + "print_page/"
    for link in soup.select("a[href]"):       # the PDF links to the online book, not to the local copy
        if not link["href"].startswith(("#", "http:", "https:", "mailto:", "data:")):
            link["href"] = urljoin(here, link["href"])
    for details in soup.select("details"):
        details["open"] = ""
    for tabs in soup.select(".tabbed-set"):
        sequence = soup.new_tag("div", attrs={"class": "print-tabs"})
        labels = [label.get_text(" ", strip=True) for label in tabs.select(".tabbed-labels > label")]
        for label, block in zip(labels, tabs.select(".tabbed-content > .tabbed-block")):
            heading = soup.new_tag("p", attrs={"class": "print-tabs__label"})
            heading.append(soup.new_tag("strong"))
            heading.strong.string = label
            sequence.append(heading)
            sequence.extend(list(block.children))
        tabs.replace_with(sequence)
    cover = soup.select_one("#print-site-cover-page")
    if cover is not None:
        line = soup.new_tag("p", attrs={"class": "print-cover__edition"})
        line.append(f"Printed on {date} from the online book, ")
        link = soup.new_tag("a", href=site_url)
        link.string = site_url
        line.append(link)
        cover.append(line)
    return str(soup)


def section_url(section_id: str, known: dict) -> str:
    """The page URL (relative to the site) whose print section has this id (the plugin's page key)."""
    for url in known:
        if page_key(url) == section_id:
            return url
    return ""


def page_key(url: str) -> str:
    from mkdocs_print_site_plugin.urls import get_page_key
    return get_page_key(url)


# ---------------------------------------------------------------------------------------------
# 3. Chromium
# ---------------------------------------------------------------------------------------------

@contextmanager
def serve(root: Path):
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


WAIT_READY_JS = """
async () => {
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  const pending = () => [...document.querySelectorAll('.arithmatex')].some(a => !a.querySelector('mjx-container'));
  const t0 = performance.now();
  while (pending() && performance.now() - t0 < 120000) await new Promise(r => setTimeout(r, 100));
  const images = [...document.images];
  images.forEach(i => { i.loading = 'eager'; });
  await Promise.all(images.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  await document.fonts.ready;
  return {untypeset: pending(), broken: images.filter(i => !i.naturalWidth).map(i => i.getAttribute('src').slice(0, 80))};
}
"""


def widget_stills(browser, base: str, config: dict) -> dict[str, list[bytes]]:
    """A screenshot of every widget on every page of the nav that has one, keyed by page URL."""
    stills: dict[str, list[bytes]] = {}
    selector = ", ".join(WIDGETS)
    context = browser.new_context(viewport={"width": COLUMN_PX, "height": 1000}, device_scale_factor=1.25,
                                  color_scheme="light", service_workers="block")
    page = context.new_page()
    for url in nav_urls(config):
        html = (Path(config["site_dir"]) / url / "index.html")
        if not html.exists() or not any(w[1:] in html.read_text(encoding="utf-8") for w in WIDGETS):
            continue
        page.goto(base + url, wait_until="load")
        page.add_style_tag(content=SCREEN_ONLY_CSS)
        page.evaluate(WAIT_READY_JS)
        shots = []
        for widget in page.locator(selector).all():
            widget.scroll_into_view_if_needed()        # some widgets start when they come into view
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            shots.append(widget.screenshot(type="jpeg", quality=80, animations="disabled"))
        stills[url] = shots
        log.info("%s: %d widget stills", url, len(shots))
    context.close()
    return stills


def nav_urls(config: dict) -> list[str]:
    from mkdocs.structure.files import get_files
    from mkdocs.structure.nav import get_navigation

    nav = get_navigation(get_files(config), config)
    return [page.url for page in nav.pages]


def print_pdf(browser, url: str, out: Path, title: str) -> int:
    context = browser.new_context(viewport={"width": COLUMN_PX, "height": 1000}, color_scheme="light",
                                  service_workers="block")
    page = context.new_page()
    page.emulate_media(media="print", color_scheme="light")
    page.goto(url, wait_until="load")
    ready = page.evaluate(WAIT_READY_JS)
    if ready["untypeset"] or ready["broken"]:
        raise SystemExit(f"the print page is not ready: untypeset formulas {ready['untypeset']}, "
                         f"images that did not load {ready['broken'][:5]}")
    page.evaluate("title => { document.title = title; }", title)
    # Not a tagged PDF: its structure tree (an object per element, MathJax's included) makes the
    # book 12.6 MB instead of 4.8 (and Chromium writes an outline only for a tagged PDF).
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    context.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".pdf.tmp")
    tmp.write_bytes(pdf)
    tmp.replace(out)
    return len(pdf)


def build_pdf(out: Path = OUT, pages: list[str] | None = None, browser=None) -> dict:
    """Build the site and print the book (or the slice `pages`, paths under docs/) to `out`, with
    `browser` (a Playwright Chromium; by default one started here)."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            try:
                return build_pdf(out, pages, browser)
            finally:
                browser.close()
    start = time.perf_counter()
    date = datetime.date.today().isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_site(site, pages)
        config = site_config(site, pages)
        with serve(site) as base:
            stills = widget_stills(browser, base, config)
            print_page = site / "print_page" / "index.html"
            print_page.write_text(printable(print_page.read_text(encoding="utf-8"), stills, config["site_url"], date),
                                  encoding="utf-8")
            size = print_pdf(browser, base + "print_page/", out, config["site_name"])
    return {"path": out, "bytes": size, "seconds": time.perf_counter() - start,
            "widgets": sum(len(s) for s in stills.values())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="build_pdf.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"the PDF to write (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--pages", nargs="+", help="only these pages, paths under docs/ (default: the whole nav)")
    parser.add_argument("--site-only", type=Path, help=argparse.SUPPRESS)   # build_site's subprocess
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("mkdocs", "mkdocs_jupyter", "mkdocs_print_site_plugin", "htmlproofer", "mkdocstrings"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.site_only:
        return _build_site_here(args.site_only, args.pages)
    result = build_pdf(args.out, args.pages)
    print(f"{result['path']}: {result['bytes'] / 1e6:.1f} MB, {result['widgets']} widget stills, "
          f"{result['seconds']:.0f} s")


if __name__ == "__main__":
    main()
