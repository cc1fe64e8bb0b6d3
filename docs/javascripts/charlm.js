// charlm.js — the cell typer on "An LSTM reads Python" (docs/part3-experiments/charlm.md).
//
// The trained character model reads the text in the box, from a zero state, in the reader's browser
// (lstm.js, Eqs. (4)–(9)), and the text is shown again coloured by one unit: each feature's best unit
// of the page's table, its value times the sign of its correlation with the feature, scaled to its
// largest |value| on this text. The colour steps are those of the static excerpts
// (lstm_book/book/pipeline/tables.py, coloured_text). Nothing is trained here: the weights were
// exported by lstm_book/book/web_export.py (export_charlm).
//
// Markup (see charlm.md):  <div class="charlm-typer"> … <a class="charlm-typer__data" href="…json"> … </div>
// The model (about 1.2 MB) is fetched when the widget comes near the view (within 400 px).
//
// For tests the root exposes what it shows: data-unit (the feature shown), data-text (what was read),
// data-values (the scaled values, JSON), data-next (the most likely next characters, JSON) and
// data-forward-ms (the last forward pass).
(function () {
  "use strict";

  const LEVELS = 5; // colour steps per sign, as coloured_text
  const MAX_CHARS = 3000; // the forward pass reads at most this many characters (about half a second)

  const el = (...args) => window.lstmBook.el(...args);

  // Python's round(): halves go to the even neighbour, so a value on a step boundary gets the same
  // step here as on the static page.
  function roundHalfEven(x) {
    const f = Math.floor(x), d = x - f;
    return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  }
  const stepOf = (v) => Math.min(LEVELS, roundHalfEven(Math.abs(v) * LEVELS));
  const classOf = (v) => (stepOf(v) === 0 ? null : `${v > 0 ? "p" : "n"}${stepOf(v)}`);

  // characters (code points, as Python counts them) + one value each → spans of equal colour step
  // (the DOM twin of coloured_text).
  function colour(target, chars, values) {
    const nodes = [];
    let run = "", current;
    const flush = () => {
      if (run) nodes.push(current ? el("span", { class: current, text: run }) : document.createTextNode(run));
      run = "";
    };
    chars.forEach((ch, t) => {
      const cls = classOf(values[t]);
      if (cls !== current) flush();
      current = cls;
      run += ch;
    });
    flush();
    target.replaceChildren(...nodes);
  }

  const shown = (ch) => (ch === "\n" ? "↵" : ch === " " ? "␣" : ch);
  const watching = new Map(); // widget not yet in view → its IntersectionObserver

  function start(root) {
    root.dataset.started = "1";
    const link = root.querySelector("a.charlm-typer__data"), status = root.querySelector(".charlm-typer__status");
    if (!link || !status) return;
    const seen = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      seen.disconnect(); watching.delete(root);
      window.lstmBook.fetchModel(link.href).then(({ exported, model }) => build(root, status, exported, model))
        .catch((err) => { status.textContent = `The typer could not load its model (${err.message}).`; });
    }, { rootMargin: "400px" }); // start fetching a little before the widget scrolls into view
    watching.set(root, seen);
    seen.observe(root);
  }

  function build(root, status, exported, model) {
    const { vocab, other } = exported.text, units = exported.units, H = model.H;
    const ids = new Map([...vocab].map((ch, k) => [ch, k]));
    const OTHER = vocab.length; // every character outside the vocabulary
    const charOf = (k) => (k === OTHER ? other : vocab[k]);
    let unit = 0, timer = null, last = { text: null, out: null }; // the forward pass of the text last read

    const label = el("span", { id: `charlm-typer-units-${Math.random().toString(36).slice(2)}`,
                               text: "colour by the unit for" });
    const buttons = units.map((u, k) => el("button", { type: "button", "data-unit": String(k), text: u.label }));
    const row = el("div", { class: "lx-row", role: "group", "aria-labelledby": label.id }, label, ...buttons);
    const box = el("textarea", { class: "charlm-typer__box", rows: "12", spellcheck: "false", wrap: "off",
                                 autocapitalize: "off", autocomplete: "off", autocorrect: "off",
                                 "aria-label": "Python code for the model to read" });
    box.value = exported.text.default;
    const about = el("p", { class: "charlm-label", role: "status" }); // announced: which unit, on what
    const view = el("div", { class: "charlm-text" });
    const next = el("p", { class: "charlm-typer__next" });

    // Read the box (the forward pass only when its text changed) and show the chosen unit.
    function update() {
      const u = units[unit], all = Array.from(box.value), chars = all.slice(0, MAX_CHARS), text = chars.join("");
      const first = all.length > MAX_CHARS ? `the first ${MAX_CHARS.toLocaleString("en")} characters of ` : "";
      buttons.forEach((b, k) => b.setAttribute("aria-pressed", String(k === unit)));
      about.replaceChildren(`layer ${u.layer} ${u.state}`, el("sub", { text: String(u.index) }),
        `, r = ${u.r >= 0 ? "+" : "−"}${Math.abs(u.r).toFixed(2)} on the test files; read from a zero state, ` +
        `scaled to its largest value on ${first}this text.`);
      root.dataset.unit = u.label;
      if (!text) {
        view.replaceChildren(); next.textContent = "Type some Python above.";
        Object.assign(root.dataset, { text: "", values: "[]", next: "[]" });
        return;
      }
      if (last.text !== text) {
        const tokens = Int32Array.from(chars, (ch) => (ids.has(ch) ? ids.get(ch) : OTHER));
        const t0 = performance.now();
        last = { text, out: window.lstmBook.forward(model, tokens) };
        root.dataset.forwardMs = (performance.now() - t0).toFixed(1);
      }
      const state = last.out.layers[u.layer - 1][u.state];
      const raw = chars.map((_, t) => u.sign * state[t * H + u.index]);
      const scale = Math.max(1e-12, ...raw.map(Math.abs));
      const values = raw.map((v) => v / scale);
      colour(view, chars, values);
      const top = Array.from(last.out.probs, (p, k) => [p, k]).sort((a, b) => b[0] - a[0]).slice(0, 5);
      next.textContent = `Next character after ${first}this text, as the model sees it: ` + top.map(([p, k]) =>
        `${shown(charOf(k))} ${(100 * p).toFixed(1)}%`).join(" · ");
      Object.assign(root.dataset, { text, values: JSON.stringify(values),
        next: JSON.stringify(top.map(([p, k]) => [charOf(k), p])) });
    }

    buttons.forEach((b, k) => b.addEventListener("click", () => { clearTimeout(timer); unit = k; update(); }));
    box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 150); });
    update();
    status.replaceWith(row, box, about, view, next);
    root.classList.add("charlm-typer--ready");
  }

  // Material's document$ emits on the first load and after every instant navigation.
  // Observers of widgets that instant navigation took off the page are let go.
  document$.subscribe(() => {
    for (const [root, seen] of watching) if (!root.isConnected) { seen.disconnect(); watching.delete(root); }
    document.querySelectorAll(".charlm-typer:not([data-started])").forEach(start);
  });
})();
