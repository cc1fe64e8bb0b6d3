"""The cell typer on "An LSTM reads Python": the exported character model and the widget around it.

* The export (lstm_book/web_export.py, export_charlm) round-trips the weights exactly, names the units
  the page's table chose, and refuses a model or unit it cannot describe.
* docs/javascripts/lstm.js, run in headless Chromium on the committed export, computes what PyTorch
  computes for the character model (every c and h of both layers, the next-character probabilities).
* The typer (charlm.js) colours the reader's text by the chosen unit with the colour steps of the
  static excerpts, follows edits and unit changes, fetches its model only when it comes into view,
  offline, at phone width.
"""
from __future__ import annotations

import html
import json
import re
from urllib.parse import urljoin

import numpy as np
import pytest
import torch

from lstm_book import corpus
from lstm_book.book import web_export
from lstm_book.book.experiments.charlm.unit_search import LABELS
from lstm_book.book.pipeline.tables import coloured_text
from lstm_book.features import FEATURES
from lstm_book.lm import CharLM
from site_server import PAGE_OVERFLOW_JS, REPO, new_page

EXPORT = REPO / "docs" / "figures" / "explorer" / "charlm.json"
RESULTS = REPO / "docs" / "figures" / "results.json"
PAGE = "part3-experiments/charlm/"
# Text the reader might type: a comment, a string with brackets in it, nested calls, a non-ASCII
# character (read as the OTHER symbol) and a tab (OTHER too: not in the vocabulary).
# An astral character (two UTF-16 units, one code point, as Python and corpus.encode count it).
TYPED = ('def f(x):\n    # a comment — with a dash and a 😀\n    s = "a string (with brackets"\n'
         '\treturn g(h(x, [1, 2, {3: (4, 5)}]))\n')


@pytest.fixture(scope="module")
def exported() -> dict:
    return json.loads(EXPORT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def model(exported) -> CharLM:
    return web_export.load_charlm(exported)


@torch.no_grad()
def torch_states(model: CharLM, text: str):
    """probs of the next character (V,) after ``text`` and the states {"c", "h"}: (L, T, H), float32."""
    ids = torch.from_numpy(corpus.encode(text).astype(np.int64))[:, None]  # (T, 1)
    logits, _, gates = model(ids, return_gates=True)
    return logits[-1, 0].softmax(0), {k: gates[k][:, :, 0] for k in ("c", "h")}


def scaled(values: torch.Tensor, sign: int) -> np.ndarray:
    """A unit's values as the widget shows them: times the sign, over the largest |value| on the text."""
    v = sign * values.double().numpy()
    return v / max(np.abs(v).max(), 1e-12)


# ---------------------------------------------------------------------------------------------
# The export (no browser)


def test_export_round_trips_the_weights_exactly():
    with torch.random.fork_rng():
        torch.manual_seed(2)
        original = CharLM(corpus.VOCAB_SIZE, 8, 16, 2, "lstm").eval()
    units = [{"label": "column", "layer": 2, "state": "c", "index": 3, "sign": -1, "r": -0.5}]
    export = json.loads(json.dumps(web_export.export_charlm(original, units, "x = 1\n", {"model": "test"})))
    rebuilt = web_export.load_charlm(export)
    ids = torch.from_numpy(corpus.encode(TYPED).astype(np.int64))[:, None]
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(ids)[0], original(ids)[0], rtol=0, atol=1e-6)
    assert web_export.export_charlm(rebuilt, units, "x = 1\n", {"model": "test"})["weights"] == export["weights"]
    assert export["text"] == {"vocab": corpus.VOCAB, "other": corpus.OTHER_CHAR, "default": "x = 1\n"}


def test_export_refuses_what_the_typer_cannot_show():
    lm = CharLM(corpus.VOCAB_SIZE, 8, 16, 2, "lstm")
    good = {"label": "column", "layer": 1, "state": "h", "index": 0, "sign": 1, "r": 0.1}
    with pytest.raises(ValueError, match="layer 3|not a unit"):
        web_export.export_charlm(lm, [{**good, "layer": 3}], "", {})
    with pytest.raises(ValueError, match="not a unit"):
        web_export.export_charlm(lm, [{**good, "index": 16}], "", {})
    with pytest.raises(ValueError, match="needs an LSTM CharLM"):
        web_export.export_charlm(CharLM(corpus.VOCAB_SIZE, 8, 16, 2, "rnn"), [good], "", {})
    flagship = json.loads((REPO / "docs/figures/explorer/flagship.json").read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match="no 'units' entry"):
        web_export.load_charlm(flagship)
    with pytest.raises(ValueError, match="no 'task' entry"):
        web_export.load_classifier(web_export.export_charlm(lm, [good], "", {}))


def test_committed_export_holds_the_units_and_excerpt_of_the_page(exported, model):
    size = EXPORT.stat().st_size
    assert size < 1_500_000, f"{EXPORT.name} is {size / 1e6:.2f} MB (limit 1.5 MB)"
    cells = json.loads(RESULTS.read_text(encoding="utf-8"))["charlm"]
    trained = cells["cells"]["trained"]
    assert [u["label"] for u in exported["units"]] == [LABELS[f] for f in FEATURES]
    for f, u in zip(FEATURES, exported["units"]):
        best = trained[f]["best"]
        assert (u["layer"], u["state"], u["index"]) == (best["layer"], best["state"], best["index"])
        assert u["sign"] == trained[f]["sign"] == np.sign(trained[f]["r_validation"]) and u["r"] == round(trained[f]["r_test"], 4)
    assert exported["text"]["default"] == cells["cells"]["excerpt"]["text"]
    assert exported["meta"]["test_bpc"] == round(cells["bpc"]["test"]["lstm"], 4)
    m = exported["model"]
    assert (m["vocab_size"], m["hidden_size"], m["num_layers"]) == (corpus.VOCAB_SIZE, 128, 2)
    assert web_export.model_and_weights(model)["weights"] == exported["weights"]
    # written from the run the page's numbers come from, not an older one
    provenance = json.loads(EXPORT.with_name("charlm.provenance.json").read_text(encoding="utf-8"))
    assert provenance["config"]["model"] == cells["config"]["lstm"]


# ---------------------------------------------------------------------------------------------
# lstm.js and the typer, in Chromium


JS_STATES = """
async ([url, text]) => {
  const { exported, model } = await lstmBook.fetchModel(url);
  const vocab = exported.text.vocab;
  const tokens = Array.from(text, (ch) => (vocab.includes(ch) ? vocab.indexOf(ch) : vocab.length));
  const out = lstmBook.forward(model, tokens);
  return { probs: Array.from(out.probs), layers: out.layers.map((l) => ({ c: Array.from(l.c), h: Array.from(l.h) })) };
}
"""


@pytest.mark.slow
def test_javascript_forward_equals_pytorch_on_the_character_model(browser, server, exported, model):
    """Every c and h of both layers over a test-file excerpt and the typed text, and the next-character
    probabilities, within 1e-5 of PyTorch float32 (c relative to max(1, |c|))."""
    H, L = exported["model"]["hidden_size"], exported["model"]["num_layers"]
    texts = [exported["text"]["default"], TYPED]
    context, page, rec = new_page(browser)
    try:
        page.goto(urljoin(server.url, PAGE), wait_until="load")
        url = urljoin(server.url, "figures/explorer/charlm.json")
        js = [page.evaluate(JS_STATES, [url, text]) for text in texts]
    finally:
        context.close()
    assert not rec.js_errors and not rec.remote and not rec.failed, (rec.js_errors, rec.remote, rec.failed)
    worst = 0.0
    for text, out in zip(texts, js):
        probs, states = torch_states(model, text)
        np.testing.assert_allclose(out["probs"], probs.double().numpy(), rtol=0, atol=1e-5)
        for k in ("c", "h"):
            theirs = states[k].double().numpy()  # (L, T, H)
            ours = np.stack([np.reshape(out["layers"][l][k], (len(text), H)) for l in range(L)])
            diff = np.abs(ours - theirs) / (np.maximum(np.abs(theirs), 1.0) if k == "c" else 1.0)
            worst = max(worst, float(diff.max()))
            assert (diff <= 1e-5).all(), f"{k}: lstm.js differs from PyTorch float32 by {diff.max():.1e}"
    print(f"\nlstm.js vs PyTorch float32 on the character model: h within {worst:.1e} (c relative to max(1, |c|))")


def _classes(markup: str, text: str) -> list[str | None]:
    """The colour class of every character of ``text`` in the HTML of coloured_text or of the widget."""
    out = []
    for m in re.finditer(r'<span class="(\w+)">(.*?)</span>|(<br>)|([^<]+)', markup, flags=re.S):
        cls, body = (m.group(1), m.group(2)) if m.group(1) else (None, m.group(3) or m.group(4))
        out += [cls] * len(html.unescape(body.replace("<br>", "\n")))
    assert len(out) == len(text), "the HTML does not hold the text"
    return out


@pytest.mark.slow
@pytest.mark.parametrize("width,scheme", [(390, "dark"), (1280, "light")])
def test_typer_colours_typed_text_as_the_static_excerpts_would(browser, server, exported, model, width, scheme):
    context, page, rec = new_page(browser, width=width, color_scheme=scheme)
    try:
        page.goto(urljoin(server.url, PAGE), wait_until="networkidle")
        assert not any(r.endswith("charlm.json") for r in rec.requests), "the model was fetched before it was needed"
        root = page.locator(".charlm-typer")
        root.scroll_into_view_if_needed()
        page.wait_for_selector(".charlm-typer--ready", timeout=30_000)
        assert root.get_attribute("data-text") == exported["text"]["default"]
        assert root.get_attribute("data-unit") == exported["units"][0]["label"]

        box = root.locator("textarea")
        box.fill(TYPED)  # the input event: the widget reads the new text after a short pause
        page.wait_for_function("([el, text]) => el.dataset.text === text", arg=[root.element_handle(), TYPED])
        assert len(json.loads(root.get_attribute("data-values"))) == len(TYPED)  # code points, not UTF-16 units
        for k, u in enumerate(exported["units"]):
            root.locator(f"button[data-unit='{k}']").click()
            page.wait_for_function("([el, label, text]) => el.dataset.unit === label && el.dataset.text === text",
                                   arg=[root.element_handle(), u["label"], TYPED])
            _, states = torch_states(model, TYPED)
            expected = scaled(states[u["state"]][u["layer"] - 1, :, u["index"]], u["sign"])
            shown = np.array(json.loads(root.get_attribute("data-values")))
            np.testing.assert_allclose(shown, expected, rtol=0, atol=1e-4)
            # colour steps: those of coloured_text on the same values (the page's static excerpts)
            ours = _classes(root.locator(".charlm-text").inner_html(), TYPED)
            theirs = _classes(coloured_text(TYPED, shown), TYPED)
            assert ours == theirs, f"{u['label']}: the widget's colour steps differ from coloured_text's"
            assert root.locator("button[aria-pressed='true']").inner_text() == u["label"]
        probs, _ = torch_states(model, TYPED)
        top = json.loads(root.get_attribute("data-next"))
        assert top[0][0] == corpus.decode(np.array([int(probs.argmax())], dtype=np.uint8))
        assert page.evaluate(PAGE_OVERFLOW_JS) == [], "the page scrolls sideways"

        box.fill("")  # nothing to read; a unit chosen meanwhile is the one shown when text comes back
        page.wait_for_function("el => el.dataset.text === ''", arg=root.element_handle())
        root.locator("button[data-unit='1']").click()
        assert root.locator("button[aria-pressed='true']").inner_text() == exported["units"][1]["label"]
        assert root.locator(".charlm-text").inner_text() == "" and "Type some Python" in root.inner_text()
        long = TYPED * 40  # over the widget's cap: it reads the first MAX_CHARS characters and says so
        box.fill(long)
        page.wait_for_function("el => el.dataset.text.length > 0", arg=root.element_handle())
        cap = int(re.search(r"MAX_CHARS = (\d+)", (REPO / "docs/javascripts/charlm.js").read_text()).group(1))
        assert root.get_attribute("data-text") == "".join(list(long)[:cap])
        assert root.get_attribute("data-unit") == exported["units"][1]["label"]
        assert f"the first {cap:,} characters" in root.locator(".charlm-typer__next").inner_text()
    finally:
        context.close()
    assert not rec.js_errors and not rec.remote and not rec.failed, (rec.js_errors, rec.remote, rec.failed)
