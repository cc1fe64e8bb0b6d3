"""Every page is accessible: axe-core finds no serious or critical WCAG 2.1 A/AA violation, in the light
palette or the dark one.

axe-core is vendored (tests/site/vendor/axe-core/, its licence beside it) and injected into each page by
Playwright, so nothing is fetched at run time. One browser page per palette visits every page of the
built site in turn; each is checked once its formulas are typeset and its widgets have loaded their data.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from site_server import WAIT_TYPESET_JS, new_page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

# WCAG 2.1 levels A and AA; "serious" and "critical" are axe's two highest impacts.
RUN_AXE_JS = """
async () => {
  const result = await axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  });
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({ rule: v.id, impact: v.impact, count: v.nodes.length,
                 examples: v.nodes.slice(0, 3).map(n => `${n.target.join(' ')}: ` +
                   ((n.any[0] || n.all[0] || n.none[0] || {}).message || n.failureSummary || '')) }));
}
"""


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_accessibility_violation_on_any_page(browser, server, pages, scheme):
    axe = AXE.read_text(encoding="utf-8")
    failures, nodes = [], 0
    context, page, rec = new_page(browser, width=1280, height=900, color_scheme=scheme)
    try:
        for info in pages:
            page.goto(urljoin(server.url, info.url_path), wait_until="load")
            if info.has_math:
                assert page.evaluate(WAIT_TYPESET_JS, [info.nb_math_cells]), \
                    f"{info.url_path}: MathJax did not typeset every formula within 20 s"
            page.wait_for_load_state("networkidle")          # widgets fetch their data
            expected = "slate" if scheme == "dark" else "default"
            assert page.evaluate("document.body.dataset.mdColorScheme") == expected
            page.evaluate(axe)
            for violation in page.evaluate(RUN_AXE_JS):
                nodes += violation["count"]
                failures.append(f"{info.url_path or '/'} [{violation['impact']}] {violation['rule']} "
                                f"({violation['count']}): " + " | ".join(violation["examples"]))
        # The harness itself: a planted low-contrast paragraph is found.
        page.evaluate("""() => { const p = document.createElement('p');
            p.textContent = 'planted'; p.style.cssText = 'color: #777; background: #888';
            document.querySelector('article').append(p); }""")
        assert "color-contrast" in {v["rule"] for v in page.evaluate(RUN_AXE_JS)}, \
            "axe-core did not report a planted contrast violation: the check is not running"
    finally:
        context.close()
    assert not rec.remote, f"requests leaving 127.0.0.1: {sorted(set(rec.remote))[:5]}"
    assert not failures, (f"{nodes} page elements with serious or critical WCAG violations in the {scheme} "
                          f"palette:\n" + "\n".join(failures))
    print(f"\naxe-core, {scheme} palette: {len(pages)} pages, 0 serious or critical violations")


@pytest.mark.slow
def test_the_search_dialog_has_a_name(site):
    """Material's search dialog has no accessible name; overrides/partials/search.html gives it one."""
    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    dialog = soup.select_one('.md-search[role="dialog"]')
    assert dialog is not None and dialog.get("aria-label"), "the search dialog has no aria-label"
