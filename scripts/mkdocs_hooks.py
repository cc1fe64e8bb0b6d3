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

Both are removed from notebook pages after rendering. tests/test_site.py checks the result in a
browser (no JavaScript errors, no request leaving the site, also after instant navigation).
"""
from __future__ import annotations

import re

_NBCONVERT_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_NBCONVERT_MERMAID = re.compile(
    r'<script type="module">(?:(?!</script>).)*?cdnjs\.cloudflare\.com/ajax/libs/mermaid'
    r"(?:(?!</script>).)*?</script>", re.S)


def on_post_page(output: str, page, config) -> str:
    if "jupyter-wrapper" not in output:
        return output
    output = _NBCONVERT_MATHJAX.sub("", output)
    output = _NBCONVERT_MERMAID.sub("", output)
    return output
