"""The browser tests' session fixtures: one strict site build, one static server on 127.0.0.1, one Chromium
(helpers in tests/site/site_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_server import CHROMIUM_ARGS, INSTALL_HINT, StaticServer, build_site, chromium_path, scan_pages


# ---------------------------------------------------------------------------------------------
# Browser tests: one build, one server, one browser per session
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def site_build(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="session")
def site(site_build) -> Path:
    if site_build.returncode != 0:
        pytest.fail("mkdocs build --strict failed; see test_strict_build_passes_in_30_seconds:\n"
                    + site_build.log[-4000:])
    return site_build.site


@pytest.fixture(scope="session")
def pages(site):
    return scan_pages(site)


@pytest.fixture(scope="session")
def server(site):
    with StaticServer(site) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.fail(f"Chromium is not installed; {INSTALL_HINT}.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken install is as fatal as a missing one
            pytest.fail(f"Chromium at {executable} did not start ({exc}); {INSTALL_HINT}.",
                        pytrace=False)
        yield b
        b.close()
