"""The book as readers get it: a strict, fast, offline site whose formulas render in a real browser.

The site is built once per session (`mkdocs build --strict`, without -q/-v), served on 127.0.0.1
and loaded in headless Debian Chromium through Playwright. Every page with math is checked for
formulas that are typeset AND visible: the canonical MathJax snippet with a locally served
MathJax produces a DOM full of `mjx-container`s whose glyphs are blank, so counting is not enough.

If Chromium is missing these tests fail (never skip): run `bash scripts/install_chromium.sh`.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from site_server import (INSPECT_JS, PAGE_OVERFLOW_JS, PHONE_MATH_JS, REPO, WAIT_TYPESET_JS, build_site, new_page,
                         site_url)

BUILD_SECONDS_LIMIT = 30.0

REPO_URL = "https://github.com/lstm-book/lstm-from-first-principles"


# The session fixtures (site_build, site, pages, server, browser) are in tests/site/conftest.py, shared
# with tests/site/test_explorer.py; Recorder and new_page are in tests/site/site_server.py.


def typeset_and_inspect(page, info):
    ok = page.evaluate(WAIT_TYPESET_JS, [info.nb_math_cells])
    assert ok, f"{info.url_path}: MathJax did not typeset every formula within 20 s"
    return page.evaluate(INSPECT_JS)


def formula_problems(info, result) -> list[str]:
    problems = []
    expected = info.arithmatex + len(info.nb_math_cells)
    if result["containers"] < expected or result["containers"] == 0:
        problems.append(f"{result['containers']} typeset formulas, expected at least {expected}")
    if result["rawTex"]:
        problems.append(f"untypeset TeX: {result['rawTex'][:3]}")
    if result["zeroBox"]:
        problems.append(f"{len(result['zeroBox'])} formulas with an empty box: {result['zeroBox'][:3]}")
    if result["glyphs"] == 0:
        problems.append("no glyphs (mjx-c) at all")
    if result["blankGlyphs"]:
        problems.append(f"{result['blankGlyphs']} of {result['glyphs']} glyphs show no character "
                        "(invisible math)")
    if result["unstyledGlyphs"]:
        problems.append(f"{result['unstyledGlyphs']} of {result['glyphs']} glyphs are not set in a "
                        "MathJax font (its styles were cleared)")
    if result["merrors"]:
        problems.append(f"{result['merrors']} MathJax errors (mjx-merror)")
    if result["fontErrors"]:
        problems.append(f"fonts failed to load: {result['fontErrors']}")
    return problems


# ---------------------------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_strict_build_passes_in_30_seconds(site_build):
    assert site_build.returncode == 0, "mkdocs build --strict failed:\n" + site_build.log[-4000:]
    assert site_build.seconds <= BUILD_SECONDS_LIMIT, (
        f"mkdocs build --strict took {site_build.seconds:.1f} s (limit {BUILD_SECONDS_LIMIT:.0f} s)")
    print(f"\nmkdocs build --strict: {site_build.seconds:.1f} s")


def _copy_project(dst: Path) -> Path:
    """A copy of the repository as the build sees it (pages include snippets from anywhere in it)."""
    shutil.copytree(REPO, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
        ".git", "site", ".cache", "__pycache__", "*.pyc", ".pytest_cache", ".hypothesis",
        "*.egg-info", "node_modules", "*.pt", "*.ckpt"))
    return dst


@pytest.mark.slow
@pytest.mark.parametrize("defect, line", [
    ("markdown link to a missing anchor", "[broken](../part1-math/lstm-cell.md#no-such-anchor)"),
    ("raw HTML link to a missing page", '<a href="../no-such-page/">broken</a>'),
])
def test_strict_build_fails_on_a_broken_link(site, tmp_path, defect, line):
    """Guards the configuration: the strict build really rejects broken links (MkDocs checks
    Markdown links; the htmlproofer plugin checks raw HTML)."""
    project = _copy_project(tmp_path / "repo")
    target = project / "docs" / "appendix" / "notation.md"
    target.write_text(target.read_text(encoding="utf-8") + f"\n\n{line}\n", encoding="utf-8")
    result = build_site(tmp_path / "out", config_dir=project)
    assert result.returncode != 0, f"a {defect} did not fail the strict build:\n{result.log[-2000:]}"
    culprit = "no-such-anchor" if "anchor" in defect else "no-such-page"
    assert culprit in result.log, f"the build failed, but not because of the {defect}:\n" \
                                  f"{result.log[-2000:]}"


# ---------------------------------------------------------------------------------------------
# The built HTML
# ---------------------------------------------------------------------------------------------

_REMOTE = re.compile(r"^(https?:)?//", re.I)
_CSS_REMOTE = re.compile(r"(url\(\s*['\"]?\s*(https?:)?//|@import\s+['\"](https?:)?//)", re.I)
_JS_REMOTE = re.compile(r"""(import\s*\(?\s*|src\s*=\s*)["'`](https?:)?//[^"'`]+|"""
                        r"""["'`]https?://[^"'`]+\.(m?js|css|woff2?|ttf|otf)["'`]""", re.I)
_ASSET_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut",
               "apple-touch-icon", "manifest", "preconnect", "dns-prefetch"}


@pytest.mark.slow
def test_built_site_references_no_remote_script_style_font_or_image(site):
    offenders = []
    html_files = sorted(site.rglob("*.html"))
    assert len(html_files) >= 5, "suspiciously few pages in the built site"
    for path in html_files:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        rel = path.relative_to(site)
        for tag in soup.find_all(["script", "img", "source", "iframe", "embed", "audio", "video",
                                  "track", "input"]):
            for attr in ("src", "srcset", "data-src"):
                value = tag.get(attr)
                if value and _REMOTE.match(value.strip()):
                    offenders.append(f"{rel}: <{tag.name} {attr}={value}>")
        for tag in soup.find_all("object", data=True):
            if _REMOTE.match(tag["data"].strip()):
                offenders.append(f"{rel}: <object data={tag['data']}>")
        for tag in soup.find_all("link", href=True):
            rels = {r.lower() for r in (tag.get("rel") or [])}
            if rels & _ASSET_RELS and _REMOTE.match(tag["href"].strip()):
                offenders.append(f"{rel}: <link rel={sorted(rels)} href={tag['href']}>")
        for tag in soup.find_all("script", src=False):
            if _JS_REMOTE.search(tag.get_text()):
                offenders.append(f"{rel}: inline <script> loads {_JS_REMOTE.search(tag.get_text())[0]}")
        for tag in soup.find_all("style"):
            if _CSS_REMOTE.search(tag.get_text()):
                offenders.append(f"{rel}: <style> loads a remote url()")
        for tag in soup.find_all(style=True):
            if _CSS_REMOTE.search(tag["style"]):
                offenders.append(f"{rel}: style attribute loads a remote url()")
    for path in sorted(site.rglob("*.css")):
        if _CSS_REMOTE.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(f"{path.relative_to(site)}: remote url() or @import")
    assert not offenders, "remote assets in the built site:\n" + "\n".join(offenders[:30])


@pytest.mark.slow
def test_mathjax_4_its_fonts_and_speech_worker_are_served_by_the_site(site):
    """MathJax 4 fetches its fonts (and its speech worker's rules) from a CDN unless told otherwise:
    the config points the loader at the site's own copies, and those copies are there."""
    vendor = site / "javascripts" / "vendor" / "mathjax"
    core = (vendor / "tex-chtml.js").read_text(encoding="utf-8")
    assert len(core) > 500_000 and "displayOverflow" in core and "mathjax-newcm" in core, \
        "vendor/mathjax/tex-chtml.js is not MathJax 4 (its line breaking and its default font)"
    fonts = vendor / "fonts" / "mathjax-newcm-font" / "chtml"
    assert len(list((fonts / "woff2").glob("*.woff2"))) >= 40, "MathJax-Newcm's woff2 fonts are not vendored"
    assert list((fonts / "dynamic").glob("*.js")), "MathJax-Newcm's dynamic ranges are not vendored"
    assert (vendor / "sre" / "speech-worker.js").exists() and (vendor / "sre" / "mathmaps" / "en.json").exists()
    assert (vendor / "input" / "tex" / "extensions" / "autoload.js").exists()
    assert (vendor / "LICENSE").exists()
    config = (site / "javascripts" / "mathjax.js").read_text(encoding="utf-8")
    assert re.search(r'paths:\s*{\s*fonts:\s*"\[mathjax\]/fonts"', config), "the font path is not the local copy"
    assert 'displayOverflow: "linebreak"' in config
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "javascripts/mathjax.js" in index and "javascripts/vendor/mathjax/tex-chtml.js" in index
    assert index.index("javascripts/mathjax.js") < index.index("vendor/mathjax/tex-chtml.js"), \
        "the MathJax config must load before MathJax itself"


@pytest.mark.slow
def test_reader_conventions_are_present(site, pages):
    """Search, palette toggle, edit-on-repo links, previous/next footer, copy buttons."""
    search_index = site / "search" / "search_index.json"
    assert search_index.exists() and search_index.stat().st_size > 10_000, "search index missing"
    text = search_index.read_text(encoding="utf-8")
    assert "constant error carousel" in text.lower()

    page = BeautifulSoup((site / "part1-math" / "lstm-cell" / "index.html").read_text("utf-8"),
                         "html.parser")
    assert len(page.select("input[data-md-color-scheme]")) == 2, "light/dark toggle missing"
    edit = page.select_one("a.md-content__button[href]")
    assert edit is not None and edit["href"] == f"{REPO_URL}/edit/main/docs/part1-math/lstm-cell.md"
    assert page.select_one("a.md-footer__link--prev") and page.select_one("a.md-footer__link--next")
    assert page.select_one(".md-search__input") is not None
    assert page.select("details.question"), "Check-yourself answers are not collapsible"
    config_js = page.find("script", id="__config")
    assert config_js is not None and "content.code.copy" in config_js.get_text()
    assert "navigation.instant" in config_js.get_text()


@pytest.mark.slow
def test_notebook_pages_render_and_offer_a_download(site):
    """The book has at least one notebook page (mkdocs-jupyter), and each offers its source file,
    copied into the site next to the page, through the download button of overrides/main.html."""
    notebooks = []
    for path in sorted(site.rglob("index.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        if soup.select_one(".jupyter-wrapper") is None:
            continue
        notebooks.append(path)
        rel = path.relative_to(site)
        cells = soup.select(".jp-Cell")
        assert cells, f"{rel}: notebook page without cells"
        outputs = " ".join(o.get_text() for o in soup.select(".jp-OutputArea-output"))
        assert "Traceback (most recent call last)" not in outputs, \
            f"{rel}: the notebook's stored outputs contain an error traceback"
        link = soup.select_one("a.md-content__button[download][href]")
        assert link is not None, f"{rel}: no download button for the notebook source"
        prefix = "/" + site_url().split("/", 3)[3]          # e.g. /lstm-from-first-principles/
        href = link["href"]
        target = site / href[len(prefix):] if href.startswith(prefix) else path.parent / href
        assert target.is_file() and target.stat().st_size > 0, f"{rel}: {href} is not in the site"
    assert notebooks, ("no notebook page in the built site: the book needs one "
                       "(docs/notebooks/*.py or *.ipynb, listed in the nav of mkdocs.yml)")


@pytest.mark.slow
def test_notebook_pages_show_their_outputs_and_link_to_colab_and_both_sources(site):
    """Each notebook page is its executed .ipynb, rendered with every output (text and figures, the
    figures inlined as data: URIs); under its title it links to Colab (built from repo_url) and to
    the .ipynb and the .py, both served by the site byte for byte; and some chapter links to it."""
    import nbformat

    sources = sorted((REPO / "docs" / "notebooks").glob("*.py"))
    assert sources, "no notebook sources in docs/notebooks/"
    linked_from = {}
    for path in sorted(site.rglob("index.html")):
        if "notebooks" in path.parts:
            continue
        for a in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select("article a[href]"):
            m = re.search(r"notebooks/(\w+)/$", a["href"])
            if m:
                linked_from.setdefault(m.group(1), set()).add(path.relative_to(site).parent.as_posix())
    for source in sources:
        name = source.stem
        page = site / "notebooks" / name / "index.html"
        assert page.is_file(), f"no page for docs/notebooks/{name}.ipynb: is it in the nav?"
        assert not (site / "notebooks" / name / f"{name}.py").exists(), \
            f"{name}.py is rendered as a page of its own as well (narrow mkdocs-jupyter's include)"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        nb = nbformat.read(REPO / "docs" / "notebooks" / f"{name}.ipynb", as_version=4)
        shown = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        images = [o for o in shown if "image/png" in o.get("data", {})]
        texts = [o for o in shown if o.output_type == "stream"]
        assert texts and len(soup.select(".jp-OutputArea-output pre")) >= len(texts), f"{name}: text outputs missing"
        pngs = soup.select('.jp-OutputArea-output img[src^="data:image/png;base64,"]')
        assert len(pngs) == len(images), f"{name}: {len(pngs)} figures on the page, {len(images)} in the notebook"

        ids = {tag["id"] for tag in soup.find_all(id=True)}
        toc = [a["href"] for a in soup.select(".md-sidebar--secondary a.md-nav__link[href^='#']")]
        assert toc and not [h for h in toc if h[1:] not in ids], \
            f"{name}: table-of-contents links to no heading (mkdocs-jupyter drops `code` from a heading's " \
            f"ToC entry but not from its id): {[h for h in toc if h[1:] not in ids]}"

        links = soup.select("p.notebook-links a[href]")
        hrefs = [a["href"] for a in links]
        colab = f"https://colab.research.google.com/github/{REPO_URL.removeprefix('https://github.com/')}" \
                f"/blob/main/docs/notebooks/{name}.ipynb"
        assert colab in hrefs, f"{name}: no Open in Colab link to {colab} (found {hrefs})"
        for suffix in (".ipynb", ".py"):
            href = next((h for h in hrefs if h.endswith(suffix) and h != colab), None)
            assert href is not None, f"{name}: no download link for the {suffix}"
            served = (page.parent / href).resolve()
            assert served.is_file(), f"{name}: {href} is not in the site"
            assert served.read_bytes() == (REPO / "docs" / "notebooks" / f"{name}{suffix}").read_bytes()
        assert linked_from.get(name), f"no chapter links to the notebook {name} ('Run this page as a notebook')"


@pytest.mark.slow
def test_every_page_with_source_math_is_found(site, pages):
    """The browser test discovers math from the built HTML; cross-check against the sources so
    that a page whose math silently stopped rendering as arithmatex cannot drop out of the test."""
    math_pages = {p.url_path for p in pages if p.has_math}
    tex = re.compile(r"\$[^\s$][^$]*\$|\$\$")
    missing = []
    for src in sorted((REPO / "docs").rglob("*.md")):
        rel = src.relative_to(REPO / "docs").as_posix()
        if rel.startswith(("figures/", "javascripts/")):
            continue
        body = re.sub(r"```.*?```", "", src.read_text(encoding="utf-8"), flags=re.S)
        body = re.sub(r"`[^`\n]*`", "", body)
        if tex.search(body):
            url = "" if rel == "index.md" else rel[: -len("index.md")] if rel.endswith("/index.md") \
                else rel[: -len(".md")] + "/"
            if url not in math_pages:
                missing.append(rel)
    assert not missing, f"pages whose source has TeX but whose HTML has no math: {missing}"
    assert {"part1-math/why-rnns-forget/", "part1-math/lstm-cell/", "part1-math/gradient-flow/",
            "part1-math/rnn-vs-lstm/"} <= math_pages


# ---------------------------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_formula_is_typeset_and_visible_offline(browser, server, pages):
    math_pages = [p for p in pages if p.has_math]
    assert math_pages, "no page with math found in the built site"
    report, failures = [], []
    notebooks = [p for p in pages if "jupyter-wrapper" in p.path.read_text(encoding="utf-8")]
    if notebooks and not any(p.nb_math_cells for p in notebooks):
        failures.append(
            "no notebook page has math in its Markdown cells, so nothing checks that MathJax "
            "typesets notebooks (the issue requires it): add a formula, e.g. "
            "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$, to a Markdown cell of "
            + ", ".join(p.url_path for p in notebooks))
    for info in math_pages:
        context, page, rec = new_page(browser)
        try:
            page.goto(urljoin(server.url, info.url_path), wait_until="load")
            result = typeset_and_inspect(page, info)
            page.wait_for_load_state("networkidle")
            page.set_viewport_size({"width": 390, "height": 844})   # a phone
            page.wait_for_timeout(100)
            phone_overflow = page.evaluate(PAGE_OVERFLOW_JS)
        finally:
            context.close()
        problems = formula_problems(info, result)
        if rec.remote:
            problems.append(f"requests leaving 127.0.0.1: {sorted(set(rec.remote))[:5]}")
        if rec.failed:
            problems.append(f"failed local requests: {rec.failed[:5]}")
        if rec.js_errors:
            problems.append(f"JavaScript errors: {rec.js_errors[:3]}")
        if result["wideDisplay"]:
            problems.append(f"{result['wideDisplay']} display formulas overflow the page")
        if result["brokenImages"]:
            problems.append(f"images that did not load: {result['brokenImages']}")
        if phone_overflow:
            problems.append(f"at 390 px the page scrolls sideways because of: {phone_overflow[:3]}")
        report.append(f"{info.url_path or '/'}: {result['containers']} formulas, "
                      f"{result['glyphs']} glyphs")
        if problems:
            failures.append(f"{info.url_path or '/'}: " + "; ".join(problems))
    print("\n" + "\n".join(report))
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_display_formulas_fit_a_phone_or_scroll_with_a_cue(browser, server, pages):
    """At 390 px, on every page with math (the notebooks too), every display formula fits its
    column (MathJax 4 breaks it) or scrolls inside its own box with a visible cue and its equation
    number in view; none reaches past the page. Folded answers and content tabs are opened one by
    one, as a reader does, since a formula typeset while hidden is measured when it is shown."""
    math_pages = [p for p in pages if p.has_math]
    failures, formulas, scrolling = [], 0, 0
    context, page, rec = new_page(browser, width=390, height=844)
    try:
        for info in math_pages:
            page.goto(urljoin(server.url, info.url_path), wait_until="load")
            assert page.evaluate(WAIT_TYPESET_JS, [info.nb_math_cells]), \
                f"{info.url_path}: MathJax did not typeset every formula within 20 s"
            result = page.evaluate(PHONE_MATH_JS)
            formulas += result["formulas"]
            scrolling += result["scrolling"]
            failures += [f"{info.url_path or '/'}: {problem}" for problem in result["problems"]]
    finally:
        context.close()
    assert not rec.js_errors, f"JavaScript errors: {rec.js_errors[:3]}"
    assert not rec.remote, f"requests leaving 127.0.0.1: {sorted(set(rec.remote))[:5]}"
    assert formulas > 0, "no display formula found"
    assert not failures, f"{len(failures)} display formulas at 390 px:\n" + "\n".join(failures)
    print(f"\n390 px: {formulas} display formulas on {len(math_pages)} pages; {scrolling} scroll with a cue")


@pytest.mark.slow
@pytest.mark.parametrize("width, links", [
    (1280, ".md-tabs a[href], .md-sidebar--primary a.md-nav__link[href]"),  # navigation
    (390, ".md-content a[href]"),   # phone: navigation is in a drawer; follow a link in the text
])
def test_math_is_visible_after_instant_navigation(browser, server, pages, width, links):
    """Load the home page, click a link to another page with math, and check that Material swaps
    the page in without a full reload and that its math is typeset and visible."""
    by_url = {p.url_path: p for p in pages}

    def page_of(href):
        url = urljoin(page.url, href)
        if not url.startswith(server.url):
            return None
        info = by_url.get(url[len(server.url):].split("#")[0])
        return info if info is not None and info.has_math and info.url_path else None

    context, page, rec = new_page(browser, width=width, height=844)
    try:
        page.goto(server.url, wait_until="load")
        typeset_and_inspect(page, by_url[""])
        page.evaluate("window.__sameDocument = true")
        anchors = page.locator(links)
        target = next((i for i in range(anchors.count())
                       if anchors.nth(i).is_visible() and page_of(anchors.nth(i).get_attribute("href"))),
                      None)
        assert target is not None, f"no visible link matching {links!r} leads to a page with math"
        link = anchors.nth(target)
        info = page_of(link.get_attribute("href"))
        link.click()
        page.wait_for_url(urljoin(server.url, info.url_path) + "**")
        # Material pushes the new URL before it swaps the content in; wait for the new page
        page.wait_for_function("t => document.title === t", arg=info.title)
        assert page.evaluate("window.__sameDocument === true"), \
            "the click caused a full page load: instant navigation is not active"
        result = typeset_and_inspect(page, info)
        # Notebook pages carry their own inlined CSS and scripts; follow an in-page link to each
        # one with math, again without a reload, and check its formulas too.
        notebook_results = []
        for nb in [p for p in pages if p.nb_math_cells] if width == 1280 else []:
            page.evaluate("""url => {
                const a = document.createElement('a');
                a.href = url; a.id = '__nb_link'; a.textContent = 'notebook';
                document.querySelector('article').prepend(a);
            }""", urljoin(server.url, nb.url_path))
            page.locator("#__nb_link").click()
            page.wait_for_url(urljoin(server.url, nb.url_path) + "**")
            page.wait_for_function("t => document.title === t", arg=nb.title)
            assert page.evaluate("window.__sameDocument === true"), \
                f"following a link to {nb.url_path} caused a full page load"
            notebook_results.append((nb, typeset_and_inspect(page, nb)))
    finally:
        context.close()
    for nb, nb_result in notebook_results:
        problems = formula_problems(nb, nb_result)
        assert not problems, f"after instant navigation to {nb.url_path}: {problems}"
    problems = formula_problems(info, result)
    assert not problems, f"after instant navigation to {info.url_path} at {width}px: {problems}"
    assert not rec.remote, f"requests leaving 127.0.0.1: {sorted(set(rec.remote))}"
    assert not rec.failed, f"failed local requests: {rec.failed}"
    assert not rec.js_errors, f"JavaScript errors: {rec.js_errors}"
    assert result["wideDisplay"] == 0, \
        f"{result['wideDisplay']} display formulas overflow the {width}px page"
    print(f"\ninstant navigation at {width}px to {info.url_path}: {result['containers']} formulas")
