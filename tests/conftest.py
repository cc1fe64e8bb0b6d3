"""Shared test helpers: float64 twins of torch.nn modules with identical weights, and the
session fixtures of the browser tests (one site build, one server, one Chromium for
tests/test_site.py and tests/test_explorer.py; helpers in tests/site_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from site_server import CHROMIUM_ARGS, INSTALL_HINT, StaticServer, build_site, chromium_path, scan_pages


# The models under test are small: per-op work is microseconds, so intra-op threads only add
# synchronisation, and on a loaded 2-core machine oversubscription slowed training ~15x. One
# thread also makes timings and float reductions independent of the machine's core count.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same global RNG state, so failures reproduce."""
    torch.manual_seed(0)


def twin(ours_cls, ref_cls, *args, **kwargs):
    """``(ours, ref)`` built with the same arguments, in float64, ours holding ref's weights."""
    ref = ref_cls(*args, **kwargs).double()
    ours = ours_cls(*args, **kwargs).double()
    ours.load_state_dict(ref.state_dict())
    return ours, ref


def max_abs_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}"
    return (a - b).abs().max().item() if a.numel() else 0.0


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
