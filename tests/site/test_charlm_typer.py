"""The cell typer on "An LSTM reads Python": the exported character model and the widget around it.

* The export (lstm_book/web_export.py, export_charlm) round-trips the weights exactly, names the units
  the page's table chose with their fixed colour scales, and refuses a model or unit it cannot describe.
* docs/javascripts/lstm.js, run in headless Chromium on the committed exports (trained and untrained),
  computes what PyTorch computes for the character model (every c and h of every layer, the
  next-character probabilities).
* The typer (charlm.js) colours the reader's text by the chosen unit on that unit's fixed scale with
  the colour steps of the static excerpts, follows edits and unit changes, swaps in the untrained model
  (fetched only then), fetches its model only when it comes into view, offline, at phone width.
* Its "underline by" rows: ‖∂z/∂e_t‖ for the predicted next character (lstm.js's backward pass, run
  only while shown) and ∏ f since t of the chosen unit, as PyTorch computes them.
"""
from __future__ import annotations

import copy
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
UNTRAINED = EXPORT.with_name("charlm-untrained.json")
MAX_BYTES = 7_000_000  # each export: one layer of 512 units, about a million float32 weights in base64
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


@pytest.fixture(scope="module")
def untrained_export() -> dict:
    return json.loads(UNTRAINED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def untrained(untrained_export) -> CharLM:
    return web_export.load_charlm(untrained_export)


@torch.no_grad()
def torch_states(model: CharLM, text: str):
    """probs of the next character (V,) after ``text`` and the states {"c", "h"}: (L, T, H), float32."""
    ids = torch.from_numpy(corpus.encode(text).astype(np.int64))[:, None]  # (T, 1)
    logits, _, gates = model(ids, return_gates=True)
    return logits[-1, 0].softmax(0), {k: gates[k][:, :, 0] for k in ("c", "h")}


def scaled(values: torch.Tensor, unit: dict) -> np.ndarray:
    """A unit's values as the widget shows them: times the sign, over the unit's fixed scale, clipped to ±1."""
    return np.clip(unit["sign"] * values.double().numpy() / unit["scale"], -1.0, 1.0)


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


@pytest.mark.parametrize("state", ["trained", "untrained"])
def test_committed_exports_hold_the_units_scales_and_excerpt_of_the_page(state, exported, untrained_export):
    export, path = (exported, EXPORT) if state == "trained" else (untrained_export, UNTRAINED)
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{path.name} is {size / 1e6:.2f} MB (limit {MAX_BYTES / 1e6:.0f} MB)"
    cells = json.loads(RESULTS.read_text(encoding="utf-8"))["charlm"]
    chosen = cells["cells"][state]
    assert export["meta"]["state"] == state and [u["label"] for u in export["units"]] == [LABELS[f] for f in FEATURES]
    for f, u in zip(FEATURES, export["units"]):
        best = chosen[f]["best"]
        assert (u["layer"], u["state"], u["index"]) == (best["layer"], best["state"], best["index"])
        assert u["sign"] == chosen[f]["sign"] == np.sign(chosen[f]["r_validation"]) and u["r"] == round(chosen[f]["r_test"], 4)
        assert u["scale"] == chosen[f]["scale"] > 0  # fixed on the validation files, not on what is typed
    assert export["text"]["default"] == cells["cells"]["excerpt"]["text"]
    m, cfg = export["model"], cells["config"]["lstm"]
    assert (m["vocab_size"], m["hidden_size"], m["num_layers"]) == (corpus.VOCAB_SIZE, cfg["hidden_size"], cfg["num_layers"])
    # written from the run the page's numbers come from, not an older one
    provenance = json.loads(path.with_name(path.stem + ".provenance.json").read_text(encoding="utf-8"))
    assert provenance["config"]["model"] == cfg


def test_the_untrained_export_is_the_seeded_initial_model(exported, untrained_export, untrained):
    from lstm_book.book.experiments.charlm.lm_runs import LMSpec

    cfg = json.loads(RESULTS.read_text(encoding="utf-8"))["charlm"]["config"]["lstm"]
    spec = LMSpec(**{k: tuple(v) if k == "snapshots" else v for k, v in cfg.items()
                     if k not in ("task", "corpus_sha256", "cache_version")}, name="charlm-lstm")
    assert web_export.model_and_weights(spec.build())["weights"] == untrained_export["weights"]
    assert untrained_export["weights"] != exported["weights"]


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
@pytest.mark.parametrize("state", ["trained", "untrained"])
def test_javascript_forward_equals_pytorch_on_the_character_model(state, browser, server, exported, model, untrained):
    """Every c and h of every layer over a test-file excerpt and the typed text, and the next-character
    probabilities, for both exports: lstm.js computes in float64 on the exported float32 weights, so it
    is compared with PyTorch in float64 on the same weights (c relative to max(1, |c|)); the two differ
    only in the order of their sums. (Against PyTorch float32 the 512-unit model's h was within 9.9e-6:
    float32's own rounding, too close to any fixed bound to be a test.)"""
    H, L = exported["model"]["hidden_size"], exported["model"]["num_layers"]
    texts = [exported["text"]["default"], TYPED]
    net, name = (model, EXPORT.name) if state == "trained" else (untrained, UNTRAINED.name)
    context, page, rec = new_page(browser)
    try:
        page.goto(urljoin(server.url, PAGE), wait_until="load")
        url = urljoin(server.url, f"figures/explorer/{name}")
        js = [page.evaluate(JS_STATES, [url, text]) for text in texts]
    finally:
        context.close()
    assert not rec.js_errors and not rec.remote and not rec.failed, (rec.js_errors, rec.remote, rec.failed)
    worst = 0.0
    net64 = copy.deepcopy(net).double()
    for text, out in zip(texts, js):
        probs, states = torch_states(net64, text)
        np.testing.assert_allclose(out["probs"], probs.numpy(), rtol=0, atol=1e-9)
        for k in ("c", "h"):
            theirs = states[k].double().numpy()  # (L, T, H)
            ours = np.stack([np.reshape(out["layers"][l][k], (len(text), H)) for l in range(L)])
            diff = np.abs(ours - theirs) / (np.maximum(np.abs(theirs), 1.0) if k == "c" else 1.0)
            worst = max(worst, float(diff.max()))
            assert (diff <= 1e-9).all(), f"{k}: lstm.js differs from PyTorch float64 by {diff.max():.1e}"
    print(f"\nlstm.js vs PyTorch float64 on the {state} character model: h within {worst:.1e} (c relative to max(1, |c|))")


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
def test_typer_colours_typed_text_as_the_static_excerpts_would(browser, server, exported, model, untrained_export,
                                                               untrained, width, scheme):
    context, page, rec = new_page(browser, width=width, color_scheme=scheme)
    try:
        page.goto(urljoin(server.url, PAGE), wait_until="networkidle")
        assert not any(r.endswith(".json") and "charlm" in r for r in rec.requests), "a model was fetched too early"
        root = page.locator(".charlm-typer")
        root.scroll_into_view_if_needed()
        page.wait_for_selector(".charlm-typer--ready", timeout=30_000)
        assert root.get_attribute("data-text") == exported["text"]["default"]
        assert root.get_attribute("data-unit") == exported["units"][0]["label"]
        assert root.get_attribute("data-model") == "trained"
        assert not any(r.endswith(UNTRAINED.name) for r in rec.requests), "the untrained model is fetched on demand"
        legend = root.locator(".charlm-typer__legend")
        assert legend.is_visible() and "high" in legend.inner_text() and "low" in legend.inner_text()

        box = root.locator("textarea")
        box.fill(TYPED)  # the input event: the widget reads the new text after a short pause
        page.wait_for_function("([el, text]) => el.dataset.text === text", arg=[root.element_handle(), TYPED])
        assert len(json.loads(root.get_attribute("data-values"))) == len(TYPED)  # code points, not UTF-16 units
        for k, u in enumerate(exported["units"]):
            root.locator(f"button[data-unit='{k}']").click()
            page.wait_for_function("([el, label, text]) => el.dataset.unit === label && el.dataset.text === text",
                                   arg=[root.element_handle(), u["label"], TYPED])
            _, states = torch_states(model, TYPED)
            expected = scaled(states[u["state"]][u["layer"] - 1, :, u["index"]], u)
            shown = np.array(json.loads(root.get_attribute("data-values")))
            np.testing.assert_allclose(shown, expected, rtol=0, atol=1e-4)
            # colour steps: those of coloured_text on the same values (the page's static excerpts)
            ours = _classes(root.locator(".charlm-text").inner_html(), TYPED)
            theirs = _classes(coloured_text(TYPED, shown), TYPED)
            assert ours == theirs, f"{u['label']}: the widget's colour steps differ from coloured_text's"
            pressed = root.locator("button[data-unit][aria-pressed='true']").inner_text()
            assert pressed.startswith(f"{u['label']} · {u['state']}{u['index']}")  # the button names its unit
            twins = [v["label"] for j, v in enumerate(exported["units"]) if j != k and
                     (v["layer"], v["state"], v["index"]) == (u["layer"], u["state"], u["index"])]
            assert all(t in root.locator(".charlm-label").inner_text() for t in twins)  # a shared unit is said
        # the fixed scale: a prefix of the text is coloured as it was inside the whole text, whatever follows
        prefix = TYPED[: TYPED.index("\n") + 1]
        whole = json.loads(root.get_attribute("data-values"))
        box.fill(prefix)
        page.wait_for_function("([el, text]) => el.dataset.text === text", arg=[root.element_handle(), prefix])
        np.testing.assert_allclose(json.loads(root.get_attribute("data-values")), whole[: len(prefix)], rtol=0, atol=1e-6)
        box.fill(TYPED)
        page.wait_for_function("([el, text]) => el.dataset.text === text", arg=[root.element_handle(), TYPED])
        # the untrained toggle: the same seed before training, with its own best units and scales
        root.locator("button.charlm-typer__toggle").click()
        page.wait_for_function("el => el.dataset.model === 'untrained'", arg=root.element_handle(), timeout=60_000)
        assert root.locator("button.charlm-typer__toggle").get_attribute("aria-pressed") == "true"
        last = len(exported["units"]) - 1
        u = untrained_export["units"][last]
        _, states = torch_states(untrained, TYPED)
        np.testing.assert_allclose(json.loads(root.get_attribute("data-values")),
                                   scaled(states[u["state"]][u["layer"] - 1, :, u["index"]], u), rtol=0, atol=1e-4)
        assert "Before training" in root.locator(".charlm-label").inner_text()
        root.locator("button.charlm-typer__toggle").click()
        page.wait_for_function("el => el.dataset.model === 'trained'", arg=root.element_handle())
        probs, _ = torch_states(model, TYPED)
        top = json.loads(root.get_attribute("data-next"))
        assert top[0][0] == corpus.decode(np.array([int(probs.argmax())], dtype=np.uint8))
        assert page.evaluate(PAGE_OVERFLOW_JS) == [], "the page scrolls sideways"

        box.fill("")  # nothing to read; a unit chosen meanwhile is the one shown when text comes back
        page.wait_for_function("el => el.dataset.text === ''", arg=root.element_handle())
        root.locator("button[data-unit='1']").click()
        assert root.locator("button[data-unit][aria-pressed='true']").inner_text().startswith(exported["units"][1]["label"])
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


SHORT = 'x = f(a, [1, 2'  # an open call and an open list: the prediction leans on the brackets

COUNT_BACKWARDS = """() => {
  const backward = lstmBook.inputGradient;
  window.backwards = 0;
  lstmBook.inputGradient = (...args) => { window.backwards += 1; return backward(...args); };
}"""


def torch_saliency(model: CharLM, text: str) -> tuple[np.ndarray, int]:
    """‖∂z_k/∂e_t‖ (T,) for the most likely next character k, by autograd on the embedding outputs (float32)."""
    ids = torch.from_numpy(corpus.encode(text).astype(np.int64))[:, None]  # (T, 1)
    e = model.embedding(ids).detach().requires_grad_(True)  # (T, 1, E)
    output, _ = model.rnn(e)
    logits = model.head(output[-1, 0])
    k = int(logits.argmax())
    logits[k].backward()
    return e.grad[:, 0].norm(dim=-1).double().numpy(), k


@torch.no_grad()
def torch_forget_product(model: CharLM, text: str, unit: dict) -> np.ndarray:
    """∏_{s=t+1}^{T−1} f_s of one unit (T,), 1 at the last step (Eq. (7))."""
    ids = torch.from_numpy(corpus.encode(text).astype(np.int64))[:, None]
    f = model(ids, return_gates=True)[2]["f"][unit["layer"] - 1, :, 0, unit["index"]].double()  # (T,)
    after = torch.cat([f[1:], f.new_ones(1)])  # f_{t+1}, and nothing after the last step
    return after.flip(0).cumprod(0).flip(0).numpy()


@pytest.mark.slow
def test_underlines_are_the_gradient_and_forget_products_of_pytorch(browser, server, exported, model):
    """The "underline by" buttons, pressed from the keyboard: ‖∂z/∂e_t‖ for the predicted next character
    equals PyTorch autograd within 1e-5 of its peak, ∏ f since t of each unit within 1e-5, and the
    backward pass runs only while its row is shown."""
    context, page, rec = new_page(browser, width=1280, color_scheme="light")
    try:
        page.goto(urljoin(server.url, PAGE), wait_until="networkidle")
        root = page.locator(".charlm-typer")
        root.scroll_into_view_if_needed()
        page.wait_for_selector(".charlm-typer--ready", timeout=30_000)
        page.evaluate(COUNT_BACKWARDS)
        handle = root.element_handle()
        root.locator("textarea").fill(SHORT)
        page.wait_for_function("([el, text]) => el.dataset.text === text", arg=[handle, SHORT])
        assert root.get_attribute("data-underline") == "none" and json.loads(root.get_attribute("data-marks")) == []
        assert page.evaluate("window.backwards") == 0, "the backward pass ran with its row hidden"

        gradient = root.locator("button[data-underline='gradient']")
        gradient.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("el => el.dataset.underline === 'gradient'", arg=handle)
        assert gradient.get_attribute("aria-pressed") == "true"
        expected, k = torch_saliency(model, SHORT)
        assert json.loads(root.get_attribute("data-next"))[0][0] == corpus.decode(np.array([k], dtype=np.uint8))
        shown = np.array(json.loads(root.get_attribute("data-marks")))
        worst = float(np.abs(shown - expected).max() / expected.max())
        assert shown.shape == expected.shape and worst <= 1e-5, f"‖∂z/∂e_t‖ differs by {worst:.1e} of its peak"
        assert page.evaluate("window.backwards") == 1
        assert root.locator(".charlm-text span[style*='--book-sequential-16']").count() >= 1  # the peak, full colour
        assert "log scale" in root.locator(".charlm-typer__legend").inner_text()

        forget = root.locator("button[data-underline='forget']")
        forget.focus()
        page.keyboard.press("Space")
        page.wait_for_function("el => el.dataset.underline === 'forget'", arg=handle)
        for j, u in enumerate(exported["units"]):
            root.locator(f"button[data-unit='{j}']").click()
            page.wait_for_function("([el, label]) => el.dataset.unit === label", arg=[handle, u["label"]])
            np.testing.assert_allclose(json.loads(root.get_attribute("data-marks")),
                                       torch_forget_product(model, SHORT, u), rtol=0, atol=1e-5)
        assert page.evaluate("window.backwards") == 1, "the backward pass ran with its row hidden"
        root.locator("button[data-underline='none']").click()
        page.wait_for_function("el => el.dataset.underline === 'none'", arg=handle)
        assert root.locator(".charlm-text span[style]").count() == 0
        assert not root.locator(".charlm-typer__legend").inner_text().count("log scale")
    finally:
        context.close()
    assert not rec.js_errors and not rec.remote and not rec.failed, (rec.js_errors, rec.remote, rec.failed)
    print(f"\n‖∂z/∂e_t‖: lstm.js vs PyTorch float32 within {worst:.1e} of the peak")
