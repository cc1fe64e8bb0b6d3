"""MkDocs hooks for the book, registered under `hooks:` in mkdocs.yml.

mkdocs-jupyter renders notebook pages with nbconvert's HTML template, which brings two pieces of
JavaScript this site must not ship:

* a MathJax 2 loader: ``<script src="">`` (empty because we load MathJax 3 ourselves) and a
  ``text/x-mathjax-config`` block calling ``MathJax.Hub.Config``. Harmless on a direct load, but
  Material's instant navigation re-runs page scripts and that block then throws
  ``Cannot read properties of undefined (reading 'Config')``. Our own MathJax 3 typesets the
  notebook's Markdown cells (``processHtmlClass: "...|jp-RenderedMarkdown"``).
* a Mermaid loader that imports mermaid from cdnjs.cloudflare.com when a notebook contains a
  diagram: a remote script, and this site is served entirely from itself.

Both are removed from notebook pages after rendering. tests/site/test_site.py checks the result in a
browser (no JavaScript errors, no request leaving the site, also after instant navigation).

It also leaves a third thing behind for ``.ipynb`` pages: a ``<style>`` holding the Python repr of a
list of CSS strings (mkdocs-jupyter appends ``resources["inlining"]["css"]`` unformatted). It is
dropped too.

And notebook pages get two additions before they are written (``on_page_content``):

* under the title, a line of links: **Open in Colab** (built from ``repo_url`` and ``edit_uri``, so
  it opens ``docs/notebooks/NAME.ipynb`` of the branch the site is built from), and downloads of
  the ``.ipynb`` (with outputs) and of its jupytext source ``NAME.py``, which the site serves as a
  plain file one folder up;
* links that notebooks write as absolute URLs of the published site (so they work in Colab) become
  relative links on the site itself, which the strict build's htmlproofer then checks.
"""
from __future__ import annotations

import os
import posixpath
import re

_NBCONVERT_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_NBCONVERT_MERMAID = re.compile(
    r'<script type="module">(?:(?!</script>).)*?cdnjs\.cloudflare\.com/ajax/libs/mermaid'
    r"(?:(?!</script>).)*?</script>", re.S)
_NBCONVERT_CSS_LIST = re.compile(r"<style>\s*\[['\"].*?</style>", re.S)
_FIRST_H1 = re.compile(r"</h1>")


def on_post_page(output: str, page, config) -> str:
    if "jupyter-wrapper" not in output:
        return output
    output = _NBCONVERT_MATHJAX.sub("", output)
    output = _NBCONVERT_MERMAID.sub("", output)
    output = _NBCONVERT_CSS_LIST.sub("", output)
    return output


# ---------------------------------------------------------------------------------------------
# Notebook pages: the links under the title, site links made relative
# ---------------------------------------------------------------------------------------------


def is_notebook(page) -> bool:
    return page.file.src_uri.startswith("notebooks/") and page.file.src_uri.endswith(".ipynb")


def colab_url(config, src_uri: str) -> str:
    """``https://colab.research.google.com/github/OWNER/REPO/blob/BRANCH/DOCS/<src_uri>`` from mkdocs.yml."""
    repo = config["repo_url"].rstrip("/").removeprefix("https://github.com/")
    blob = config["edit_uri"].strip("/").replace("edit/", "blob/", 1)  # edit/main/docs → blob/main/docs
    return f"https://colab.research.google.com/github/{repo}/{blob}/{src_uri}"


def notebook_links(config, page) -> str:
    stem = posixpath.basename(page.file.src_uri).removesuffix(".ipynb")
    return (f'<p class="notebook-links">'
            f'<a class="md-button md-button--primary" href="{colab_url(config, page.file.src_uri)}">Open in Colab</a> '
            f'<a class="md-button" href="{stem}.ipynb" download>Download .ipynb</a> '
            f'<a class="md-button" href="../{stem}.py" download>Download .py</a></p>')


def relative_site_links(html: str, config, page) -> str:
    """``href="<site_url>part1-math/x/#a"`` → ``href="../../part1-math/x/#a"`` (relative to ``page``)."""
    site = config["site_url"].rstrip("/") + "/"

    def relative(match: re.Match) -> str:
        path, _, fragment = match.group(1).partition("#")
        target = posixpath.relpath("/" + path, "/" + page.url)
        target += "/" if (path == "" or path.endswith("/")) and not target.endswith("/") else ""
        return f'href="{target}{"#" + fragment if fragment else ""}"'

    return re.sub(r'href="' + re.escape(site) + r'([^"]*)"', relative, html)


# ---------------------------------------------------------------------------------------------
# The book as one PDF (docs/lstm-from-first-principles.pdf, written by scripts/build_pdf.py): a link
# under the title of Home and of the first page of each part
# ---------------------------------------------------------------------------------------------

BOOK_PDF = "lstm-from-first-principles.pdf"


def opens_a_part(page) -> bool:
    """Home, or the first page of a top-level section of the nav."""
    section = page.parent
    return page.is_homepage or (section is not None and section.parent is None and section.children[0] is page)


def book_pdf_link(config, page) -> str:
    """The link, relative to ``page``; nothing while the PDF has not been built."""
    pdf = os.path.join(config["docs_dir"], BOOK_PDF)
    if not os.path.exists(pdf):
        return ""
    href = "../" * page.url.count("/") + BOOK_PDF
    return (f'<p class="book-pdf"><a href="{href}">The whole book as one PDF</a> '
            f'({os.path.getsize(pdf) / 1e6:.1f} MB), to read offline or print.</p>')


def on_page_content(html: str, page, config, files) -> str:
    if opens_a_part(page):
        html = _FIRST_H1.sub(lambda m: m.group(0) + book_pdf_link(config, page), html, count=1)
    if not is_notebook(page):
        return html
    html = relative_site_links(html, config, page)
    return _FIRST_H1.sub(lambda m: m.group(0) + notebook_links(config, page), html, count=1)
