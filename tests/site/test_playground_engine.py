"""The playground's engine (docs/javascripts/playground/), run in headless Chromium, against PyTorch.

* classifier.js (embedding → RNN, LSTM or GRU → linear head → cross-entropy) computes PyTorch's loss,
  the gradient of every parameter, and ∂L/∂h_t (∂L/∂c_t) at every step, in float64, to 1e-10.
* optim.js: twenty Adam updates with global-norm clipping end within 1e-9 of torch.optim.Adam's.
* init.js starts the models as torch.nn does, with the book's forget-gate initialisations.
* task.js draws sequences that obey lstm_book.tasks' temporal-order rules, from the constants of
  lstm_book.tasks (passed in as the JSON object the page will fetch).
* worker.js trains side by side on messages, reproducibly; the default demonstration learns (slow).

The engine needs no built site: docs/javascripts/ is served on 127.0.0.1 and the modules are imported
into a blank page of that origin.
"""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lstm_book import tasks
from site_server import REPO, StaticServer, new_page

CELLS = ("rnn", "lstm", "gru")
TORCH_LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
TORCH_CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
V, K = tasks.TEMPORAL_ORDER_VOCAB_SIZE, tasks.TEMPORAL_ORDER_CLASSES


def task_json() -> dict:
    """The task's constants as task.js reads them (its header documents the fields), from lstm_book.tasks."""
    return {
        "symbols": list(tasks.TEMPORAL_ORDER_SYMBOLS), "distractors": list(tasks.DISTRACTORS),
        "X": tasks.X, "Y": tasks.Y, "BEGIN": tasks.BEGIN, "END": tasks.END,
        "windows": [list(w) for w in tasks.WINDOWS_6A],
        "classes": list(tasks.temporal_order_class_names()), "chance": tasks.TEMPORAL_ORDER_CHANCE,
    }


class Reference(nn.Module):
    """The PyTorch twin of classifier.js, with the state_dict keys of its TORCH_KEYS."""

    def __init__(self, cell: str, E: int, H: int):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = TORCH_LAYERS[cell](E, H, batch_first=True)
        self.head = nn.Linear(H, K)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        output, _ = self.rnn(self.embedding(tokens))  # (B, T, H)
        return self.head(output[:, -1])


def random_reference(cell: str, E: int, H: int, seed: int) -> Reference:
    """Float64, every parameter drawn from N(0, 0.5²) (the embedding N(0, 1)), so no gate sits at a symmetric point."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        ref = Reference(cell, E, H).double()
        with torch.no_grad():
            for name, p in ref.named_parameters():
                p.normal_(0.0, 1.0 if name.startswith("embedding") else 0.5)
    return ref


def random_batch(B: int, T: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, V, (B, T), generator=gen), torch.randint(0, K, (B,), generator=gen)


def f64(values) -> torch.Tensor:
    """Numbers from JavaScript (float64 exactly) as a float64 tensor."""
    return torch.tensor(values, dtype=torch.float64)


def weights_of(ref: Reference) -> dict[str, list[float]]:
    return {k: v.flatten().tolist() for k, v in ref.state_dict().items()}


def per_step_gradients(ref: Reference, cell: str, tokens, labels):
    """Loss, ∂L/∂h_t and ∂L/∂c_t (t = 1 … T, each (B, H)) by autograd through the unrolled torch.nn cell
    (which adds to the .grad of ref's embedding and head)."""
    step = TORCH_CELLS[cell](ref.rnn.input_size, ref.rnn.hidden_size).double()
    step.load_state_dict({k[: -len("_l0")]: v for k, v in ref.rnn.state_dict().items()})
    x = ref.embedding(tokens)
    B, T = tokens.shape
    h = c = torch.zeros(B, ref.rnn.hidden_size, dtype=torch.float64)
    hs, cs = [], []
    for t in range(T):
        if cell == "lstm":
            h, c = step(x[:, t], (h, c))
            c.retain_grad()
            cs.append(c)
        else:
            h = step(x[:, t], h)
        h.retain_grad()
        hs.append(h)
    loss = F.cross_entropy(ref.head(h), labels)
    loss.backward()
    return loss, torch.stack([h.grad for h in hs]), torch.stack([c.grad for c in cs]) if cs else None


# ---------------------------------------------------------------------------------------------
# A blank page of the origin that serves docs/javascripts/, with the engine's modules imported
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def js_server():
    with StaticServer(REPO / "docs" / "javascripts", url="http://127.0.0.1/") as srv:
        yield srv


@pytest.fixture
def engine(browser, js_server):
    """(page, recorder) on the directory listing of playground/, with window.pg = every module's exports."""
    context, page, rec = new_page(browser)
    try:
        page.goto(js_server.url + "playground/", wait_until="load")
        page.evaluate("""async () => {
          window.pg = {};
          for (const m of ["classifier", "init", "optim", "random", "task", "trainer"]) {
            Object.assign(window.pg, await import(`./${m}.js`));
          }
        }""")
        yield page, rec
    finally:
        context.close()
    assert not rec.js_errors and not rec.remote and not rec.failed, (rec.js_errors, rec.remote, rec.failed)


# Loads torch's weights into a new model (window.pg.model) and a batch (window.pg.batch).
JS_LOAD = """
({cell, E, H, weights, tokens, labels}) => {
  const m = pg.createModel({cell, V: %d, E, H, K: %d});
  for (const name of pg.PARAM_NAMES) m.params[name].set(weights[pg.TORCH_KEYS[name]]);
  const batch = (tokens, labels) => ({T: tokens[0].length, n: tokens.length, tokens: Int32Array.from(tokens.flat()),
                                      labels: Int32Array.from(labels)});
  pg.model = m;
  pg.toBatch = batch;
  return m;
}
""" % (V, K)


@pytest.mark.parametrize("cell", CELLS)
def test_loss_and_every_gradient_equal_pytorch_autograd_in_float64(engine, cell):
    """On random weights and a random batch (B = 6, T = 13; E = 5, H = 7, so no two sizes coincide):
    the loss, the gradient of every parameter, and ∂L/∂h_t (∂L/∂c_t) at every step, within 1e-10."""
    page, _ = engine
    E, H, B, T = 5, 7, 6, 13
    ref = random_reference(cell, E, H, seed=CELLS.index(cell))
    tokens, labels = random_batch(B, T, seed=10 + CELLS.index(cell))
    js = page.evaluate("""(args) => {
      const m = (%s)(args), batch = pg.toBatch(args.tokens, args.labels), step = args.B * args.H;
      pg.forward(m, batch);
      pg.forward(m, pg.slice(batch, 1, 4));  // a smaller batch in the same workspace leaves nothing behind
      const { loss } = pg.forward(m, batch);
      pg.backward(m);
      const perStep = (a) => a && Array.from(a.subarray(step, (args.T + 1) * step));  // blocks t = 1 … T
      return { loss, grads: Object.fromEntries(pg.PARAM_NAMES.map((n) => [pg.TORCH_KEYS[n], Array.from(m.grads[n])])),
               dh: perStep(m.ws.dh), dc: perStep(m.ws.dc) };
    }""" % JS_LOAD, {"cell": cell, "E": E, "H": H, "B": B, "T": T, "weights": weights_of(ref),
                     "tokens": tokens.tolist(), "labels": labels.tolist()})

    loss = F.cross_entropy(ref(tokens), labels)
    loss.backward()
    assert abs(js["loss"] - loss.item()) < 1e-10
    for name, p in ref.named_parameters():
        torch.testing.assert_close(f64(js["grads"][name]).view_as(p), p.grad, rtol=0, atol=1e-10,
                                   msg=lambda m: f"{cell} {name}: {m}")
    worst = max((f64(js["grads"][n]).view_as(p) - p.grad).abs().max().item() for n, p in ref.named_parameters())
    step_loss, dh, dc = per_step_gradients(ref, cell, tokens, labels)
    assert abs(step_loss.item() - loss.item()) < 1e-12, "the unrolled torch cell is not the torch layer"
    torch.testing.assert_close(f64(js["dh"]).view(T, B, H), dh, rtol=0, atol=1e-10)
    if cell == "lstm":
        torch.testing.assert_close(f64(js["dc"]).view(T, B, H), dc, rtol=0, atol=1e-10)
    else:
        assert js["dc"] is None
    assert dh[0].abs().max() > 1e-6, "the first step's gradient is too small for the comparison to mean anything"
    worst = max([worst, (f64(js["dh"]).view(T, B, H) - dh).abs().max().item()]
                + ([(f64(js["dc"]).view(T, B, H) - dc).abs().max().item()] if dc is not None else []))
    print(f"\n{cell}: JavaScript vs PyTorch float64, loss {abs(js['loss'] - loss.item()):.1e}, "
          f"gradients and per-step gradients at most {worst:.1e}")


@pytest.mark.parametrize("cell, clip", [("rnn", 2.0), ("lstm", 0.45), ("gru", 1.0)])
def test_twenty_clipped_adam_updates_end_at_pytorchs_weights(engine, cell, clip):
    """From the same weights, on the same twenty batches (B = 8, T = 20), lr 1e-2, clipped to a global
    norm that some of the updates exceed: every weight within 1e-9 of torch.optim.Adam after
    clip_grad_norm_, and the same norms within 1e-10."""
    page, _ = engine
    E, H = 6, 8
    ref = random_reference(cell, E, H, seed=20 + CELLS.index(cell))
    batches = [random_batch(8, 20, seed=100 * CELLS.index(cell) + k) for k in range(20)]
    js = page.evaluate("""(args) => {
      const m = (%s)(args);
      const list = (o) => pg.PARAM_NAMES.map((n) => o[n]);
      const adam = pg.createAdam(list(m.params), { lr: 1e-2 }), norms = [];
      for (const [tokens, labels] of args.batches) {
        pg.forward(m, pg.toBatch(tokens, labels));
        pg.backward(m);
        norms.push(pg.clipGradNorm(list(m.grads), args.clip));
        adam.step(list(m.grads));
      }
      return { norms, weights: Object.fromEntries(pg.PARAM_NAMES.map((n) => [pg.TORCH_KEYS[n], Array.from(m.params[n])])) };
    }""" % JS_LOAD, {"cell": cell, "E": E, "H": H, "clip": clip, "weights": weights_of(ref),
                     "batches": [[t.tolist(), y.tolist()] for t, y in batches]})

    optimizer = torch.optim.Adam(ref.parameters(), lr=1e-2)
    norms = []
    for tokens, labels in batches:
        optimizer.zero_grad()
        F.cross_entropy(ref(tokens), labels).backward()
        norms.append(nn.utils.clip_grad_norm_(ref.parameters(), clip).item())
        optimizer.step()
    assert min(norms) < clip < max(norms), f"clipping should act on some updates only: norms {norms}"
    torch.testing.assert_close(f64(js["norms"]), f64(norms), rtol=0, atol=1e-10)
    for name, p in ref.named_parameters():
        torch.testing.assert_close(f64(js["weights"][name]).view_as(p), p.detach(), rtol=0, atol=1e-9,
                                   msg=lambda m: f"{cell} {name}: {m}")
    worst = max((f64(js["weights"][n]).view_as(p) - p.detach()).abs().max().item() for n, p in ref.named_parameters())
    print(f"\n{cell}: weights after 20 clipped Adam updates, JavaScript vs PyTorch float64, at most {worst:.1e}")


def test_initialisation_is_torchs_with_the_books_forget_gate_options(engine):
    """init.js: the embedding ~ N(0, 1), every other parameter in [−1/√H, 1/√H] (and filling it);
    the forget bias b_f = 0 or 1 as lstm_book.cell.set_forget_bias; chrono as set_chrono_bias (Eq. 10)."""
    page, _ = engine
    H, T = 64, 50
    js = page.evaluate("""({H, T}) => {
      const out = {};
      for (const forget of ["torch", 0, 1, "chrono"]) {
        const m = pg.createModel({cell: "lstm", V: 100, E: 40, H, K: 4});
        pg.initialise(m, pg.makeRng(5, pg.STREAM.weights), forget, T);
        out[forget] = Object.fromEntries(pg.PARAM_NAMES.map((n) => [n, Array.from(m.params[n])]));
      }
      return out;
    }""", {"H": H, "T": T})
    emb = f64(js["torch"]["embedding"])
    assert abs(emb.mean()) < 0.05 and abs(emb.std() - 1) < 0.05, (emb.mean(), emb.std())
    bound = 1 / math.sqrt(H)
    for name in ("W_ih", "W_hh", "b_ih", "b_hh", "W_head", "b_head"):
        w = f64(js["torch"][name])
        assert w.abs().max() <= bound and (len(w) < 100 or w.abs().max() > 0.99 * bound), name
    for value in (0, 1):
        b_ih, b_hh = f64(js[str(value)]["b_ih"]), f64(js[str(value)]["b_hh"])
        assert torch.equal(b_ih[H:2 * H], torch.full((H,), float(value))) and torch.equal(b_hh[H:2 * H], torch.zeros(H))
        assert torch.equal(b_ih[:H], f64(js["torch"]["b_ih"][:H])), "only the forget block changes"
    b_ih, b_hh = f64(js["chrono"]["b_ih"]), f64(js["chrono"]["b_hh"])
    b_f = b_ih[H:2 * H]
    assert torch.equal(b_ih[:H], -b_f) and torch.equal(b_hh[:2 * H], torch.zeros(2 * H))
    assert b_f.exp().min() >= 1 and b_f.exp().max() <= T - 1 and b_f.exp().max() > 0.8 * (T - 1)
    assert torch.equal(b_hh[2 * H:], f64(js["torch"]["b_hh"][2 * H:])), "chrono leaves the g, o blocks"
    for name in ("embedding", "W_ih", "W_hh", "W_head"):
        assert js["chrono"][name] == js["torch"][name], "the same seed gives the same weights whatever the forget init"


# ---------------------------------------------------------------------------------------------
# task.js against lstm_book.tasks
# ---------------------------------------------------------------------------------------------

def test_javascript_task_generator_obeys_the_temporal_order_rules(engine):
    """task.js, from lstm_book.tasks' constants: the windows of temporal_order_windows at every T from
    20 to 400; in 1,000 sequences at each of T = 20, 37, 50, 100, 200: B first and E last, one X or Y
    in each window (at every position of it, both ends included), uniform distractors everywhere
    else, the label whose class name (temporal_order_class_names) spells the X/Y order, every class
    about equally often; the same seed gives the same sequences, another seed others."""
    page, _ = engine
    lengths, n = [20, 37, 50, 100, 200], 1000
    js = page.evaluate("""({task, lengths, n}) => {
      const t = pg.loadTask(task), windows = {};
      for (let T = 20; T <= 400; T++) windows[T] = pg.windowsAt(t, T);
      const draw = (T, seed) => pg.fillBatch(t, pg.makeBatch(t, T, n), pg.makeRng(seed, pg.STREAM.batches));
      const sets = lengths.map((T) => {
        const b = draw(T, T);
        return { T, tokens: Array.from(b.tokens), labels: Array.from(b.labels), positions: Array.from(b.positions),
                 again: Array.from(draw(T, T).tokens).join() === Array.from(b.tokens).join(),
                 other: Array.from(draw(T, T + 1).tokens).join() === Array.from(b.tokens).join(),
                 decoded: pg.decode(t, b, 0) };
      });
      return { windows, sets };
    }""", {"task": task_json(), "lengths": lengths, "n": n})
    for T, w in js["windows"].items():
        assert [tuple(x) for x in w] == list(tasks.temporal_order_windows(int(T))), T
    names = tasks.temporal_order_class_names()
    for s in js["sets"]:
        T = s["T"]
        assert s["again"] and not s["other"], "the seed must fix the sequences, and only the seed"
        tokens, labels = torch.tensor(s["tokens"]).view(n, T), torch.tensor(s["labels"])
        positions = torch.tensor(s["positions"]).view(n, 2)
        assert s["decoded"] == tasks.decode_temporal_order(tokens[0])
        windows = tasks.temporal_order_windows(T)
        for k, (lo, hi) in enumerate(windows):
            assert set(positions[:, k].tolist()) == set(range(lo, hi + 1)), (T, k)
        assert (tokens[:, 0] == tasks.BEGIN).all() and (tokens[:, -1] == tasks.END).all()
        informative = (tokens == tasks.X) | (tokens == tasks.Y)
        assert (informative.sum(1) == 2).all() and torch.equal(informative.nonzero()[:, 1].view(n, 2), positions)
        noise = tokens[:, 1:-1][~informative[:, 1:-1]]
        assert torch.isin(noise, torch.tensor(tasks.DISTRACTORS)).all()
        symbols = [tasks.decode_temporal_order(row) for row in tokens.gather(1, positions)]
        assert [names[int(y)] for y in labels] == symbols, "the label is the order of X and Y"
        counts = torch.bincount(labels, minlength=K) / n
        assert (counts - tasks.TEMPORAL_ORDER_CHANCE).abs().max() < 0.05, counts
        frequencies = torch.bincount(noise, minlength=V)[list(tasks.DISTRACTORS)] / len(noise)
        assert (frequencies - 1 / len(tasks.DISTRACTORS)).abs().max() < 0.01, frequencies


# ---------------------------------------------------------------------------------------------
# worker.js: messages in, statistics out
# ---------------------------------------------------------------------------------------------

# Starts worker.js, sends `messages` one after another (after the previous one's answer; "start" and
# "pause" have none; "sleep" and "until" only wait), and returns every message received, each with
# `at`, the page's clock (ms) when it arrived.
JS_WORKER = """
async ({ task, messages }) => {
  const worker = new Worker("./worker.js", { type: "module" });
  const received = [];
  let answered = null;
  worker.onmessage = ({ data }) => { received.push({ ...data, at: performance.now() }); if (answered) answered(); };
  worker.onerror = (e) => received.push({ type: "error", message: String(e.message) });
  const answer = () => new Promise((resolve) => { answered = resolve; });
  for (const m of messages) {
    if (m.type === "sleep") { await new Promise((r) => setTimeout(r, m.ms)); continue; }
    if (m.type === "until") {   // wait until a stats message satisfies the predicate, or m.ms pass
      const ok = new Function("s", "return " + m.test);
      const t0 = performance.now();
      while (!received.some((s) => s.type !== "stats" || ok(s)) && performance.now() - t0 < m.ms) {
        await Promise.race([answer(), new Promise((r) => setTimeout(r, 100))]);
      }
      continue;
    }
    const next = answer();
    worker.postMessage(m.type === "reset" ? { ...m, task } : m);
    if (m.type !== "start" && m.type !== "pause") await next;
  }
  worker.terminate();
  return received.map((s) => s.type !== "stats" ? s : { ...s, models: s.models.map((m) => ({
    ...m, gradH: Array.from(m.gradH), gradC: m.gradC && Array.from(m.gradC) })) });
}
"""

SMALL = {"T": 24, "hidden": 8, "batch": 8, "heldOut": 64, "probe": 16, "reportEvery": 2, "seed": 3,
         "models": [{"cell": "lstm", "forget": "chrono"}, {"cell": "gru"}, {"cell": "rnn"}]}


def test_worker_reports_every_model_on_the_same_stream_reproducibly(engine):
    """reset → one report at update 0; step → one report per call; start … pause → reports every
    reportEvery updates, then none; a second worker with the same config reports the same numbers."""
    page, _ = engine
    script = [{"type": "reset", "config": SMALL}, {"type": "step", "updates": 3}, {"type": "start"},
              {"type": "until", "test": "s.updates >= 9", "ms": 20000}, {"type": "pause"}, {"type": "sleep", "ms": 300},
              {"type": "step"}]
    first = page.evaluate(JS_WORKER, {"task": task_json(), "messages": script})
    assert all(s["type"] == "stats" for s in first), first[-1]
    updates = [s["updates"] for s in first]
    assert updates[:2] == [0, 3], updates
    running = updates[2:-1]
    assert running == list(range(5, 5 + 2 * len(running), 2)) and running[-1] >= 9, updates
    assert updates[-1] == running[-1] + 1, "after pause no group runs, and step adds exactly one update"
    assert [s["running"] for s in first] == [False, False] + [True] * len(running) + [False]
    for s in first:
        assert [m["cell"] for m in s["models"]] == ["lstm", "gru", "rnn"]
        for m in s["models"]:
            assert m["updates"] == s["updates"] and m["sequences"] == 8 * s["updates"]
            assert 0 <= m["accuracy"] <= 1 and m["loss"] > 0
            assert len(m["gradH"]) == SMALL["T"] and all(g > 0 and math.isfinite(g) for g in m["gradH"])
            assert (m["gradC"] is not None) == (m["cell"] == "lstm")
            assert m["keepGate"] == {"lstm": "f", "gru": "z", "rnn": None}[m["cell"]]
            assert m["keepAt"] is None if m["cell"] == "rnn" else (len(m["keepAt"]) == 2 and all(0 < v < 1 for v in m["keepAt"]))
    lstm0 = first[0]["models"][0]
    assert lstm0["keepAt"][0] > 0.6, "chrono starts with forget gates mostly open"
    second = page.evaluate(JS_WORKER, {"task": task_json(), "messages": script[:2]})
    timeless = [{k: v for k, v in s.items() if k not in ("seconds", "at")} for s in first[:2] + second]
    assert timeless[2:] == timeless[:2], "the same config must give the same numbers"
    bad = page.evaluate(JS_WORKER, {"task": task_json(), "messages": [
        {"type": "step"}, {"type": "reset", "config": {**SMALL, "models": [{"cell": "rnn", "forget": "chrono"}]}}]})
    assert [m["type"] for m in bad] == ["error", "error"] and "reset" in bad[0]["message"] and "LSTM" in bad[1]["message"]


def _cell_key(m: dict) -> str:
    return m["cell"] + (f" ({m['forget']})" if m["cell"] == "lstm" else "")


@pytest.mark.slow
def test_default_demo_lstm_chrono_reaches_95_percent_while_the_rnn_stays_at_chance(engine):
    """The worker's default configuration (T = 50, H = 16, lr 1e-2, batches of 32, clip 1, seed 0; LSTM
    chrono, LSTM b_f = 1, RNN): the chrono LSTM reaches 95% held-out accuracy within 150 updates (it
    needs 40 to 70 with seeds 0 to 7), while the RNN stays within 10 points of chance. Prints the
    updates, the seconds of training in the worker and the seconds of wall-clock time it took."""
    page, _ = engine
    received = page.evaluate(JS_WORKER, {"task": task_json(), "messages": [
        {"type": "reset", "config": {}}, {"type": "start"},
        {"type": "until", "test": "s.models[0].accuracy >= 0.95 || s.updates >= 150", "ms": 55000},
        {"type": "pause"}]})
    assert all(s["type"] == "stats" for s in received), received[-1]
    assert [(m["cell"], m["forget"]) for m in received[0]["models"]] == [("lstm", "chrono"), ("lstm", 1), ("rnn", "torch")]
    reached = next((s for s in received if s["models"][0]["accuracy"] >= 0.95), None)
    last = reached or received[-1]
    print(f"\ndefault demo: {last['updates']} updates ({last['updates'] * 32} sequences), "
          f"{last['seconds']:.1f} s of training in the worker, {(last['at'] - received[0]['at']) / 1000:.1f} s "
          "from start to the report: " + ", ".join(f"{_cell_key(m)} {m['accuracy']:.1%}" for m in last["models"]))
    assert reached is not None, f"LSTM chrono at {last['models'][0]['accuracy']:.1%} after {last['updates']} updates"
    chrono, rnn = reached["models"][0], reached["models"][2]
    assert all(abs(s["models"][2]["accuracy"] - tasks.TEMPORAL_ORDER_CHANCE) <= 0.10 for s in received)
    # the picture the page draws: the RNN's gradient at the first step is orders of magnitude below the LSTM's
    assert chrono["gradH"][0] > 1e3 * rnn["gradH"][0], (chrono["gradH"][0], rnn["gradH"][0])


@pytest.mark.slow
def test_updates_per_second_of_each_cell_at_the_default_size(engine):
    """A benchmark, printed: updates per second of one model (T = 50, H = 16, E = 16, batches of 32)
    in the page's thread, after 20 warm-up updates; the best of five rounds of 30 updates, since the
    machine is shared. The floor only catches a pathological slowdown."""
    page, _ = engine
    rates = page.evaluate("""async (task) => {
      const out = {};
      for (const [cell, forget] of [["rnn", "torch"], ["lstm", "chrono"], ["gru", "torch"]]) {
        const tr = pg.createTrainer(task, { models: [{ cell, forget }] });
        for (let k = 0; k < 20; k++) tr.update();
        out[cell] = [];
        for (let round = 0; round < 5; round++) {
          const before = tr.seconds;
          for (let k = 0; k < 30; k++) tr.update();
          out[cell].push(30 / (tr.seconds - before));
        }
      }
      return out;
    }""", task_json())
    print("\nupdates per second (T = 50, H = 16, B = 32, headless Chromium, one thread), best of 5 rounds "
          "(all rounds): " + "; ".join(f"{cell} {max(r):.0f} ({', '.join(f'{x:.0f}' for x in r)})"
                                      for cell, r in rates.items()))
    assert all(max(r) > 10 for r in rates.values()), rates
