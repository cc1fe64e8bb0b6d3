// charlm.js — the cell typer on "An LSTM reads Python" (docs/part3-experiments/charlm.md).
//
// The character model reads the text in the box, from a zero state, in the reader's browser
// (lstm.js, Eqs. (4)–(9)), and the text is shown again coloured by one unit: each feature's best unit
// of the page's table, its value times the sign of its correlation with the feature, on the unit's
// fixed scale (u.scale: the 99th percentile of its |value| over the validation files, exported with
// the model), clipped to ±1 — never stretched to whatever the reader typed. The colour steps are those
// of the static excerpts (lstm_book/book/pipeline/tables.py, coloured_text); vermillion above zero,
// blue below, as the cell state is drawn everywhere in the book. A toggle swaps in the same network
// before training (the same seed), with its own best units. Nothing is trained here: the weights were
// exported by lstm_book/book/web_export.py (export_charlm).
//
// Markup (see charlm.md):  <div class="charlm-typer"> … <a class="charlm-typer__data" href="…json">
//   <a class="charlm-typer__untrained" href="…json"> … </div>
// The trained model (a few MB) is fetched when the widget comes near the view (within 400 px), the
// untrained one only when the reader asks for it.
//
// Under the text, on request (the "underline by" buttons), one of two rows along it, each character
// underlined on the book's sequential scale (palette.css, --book-sequential-0..16): ‖∂z/∂e_t‖, how much
// the logit z of the predicted next character moves with the embedding e_t of the character read at
// step t (lstm.js's backward pass, Eqs. (13)–(15); run only while this row is shown), on a log scale
// from its smallest to its largest value; or ∏ f since t, the share of the chosen unit's c_t that its
// forget gates carry to the last character (Eq. (7)), from 0 to 1 — the explorer's gradient view
// (explorer.js) on the reader's own text.
//
// For tests the root exposes what it shows: data-model ("trained" or "untrained"), data-unit (the
// feature shown), data-text (what was read), data-values (the scaled values, JSON), data-next (the
// most likely next characters, JSON), data-forward-ms (the last forward pass), data-underline ("none",
// "gradient" or "forget") and data-marks (the underlined values, JSON: ‖∂z/∂e_t‖ or ∏ f since t).
(function () {
  "use strict";

  const LEVELS = 5; // colour steps per sign, as coloured_text
  const SEQUENTIAL = 16; // the sequential scale's last stop, --book-sequential-16
  const MAX_CHARS = 1200; // the forward pass reads at most this many characters (about a second at 512 units)

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
  // (the DOM twin of coloured_text); with marks (a stop 0–16 of the sequential scale per character),
  // every character of a run is its own span, underlined in its stop's colour.
  function colour(target, chars, values, marks) {
    const nodes = [];
    let run = [], current;
    const underlined = (t) => el("span", { style: `border-bottom: 0.22em solid var(--book-sequential-${marks[t]})`,
                                           text: chars[t] });
    const flush = () => {
      if (!run.length) return;
      const body = marks ? run.map(underlined) : [run.map((t) => chars[t]).join("")];
      nodes.push(...(current ? [el("span", { class: current }, ...body)] : body));
      run = [];
    };
    chars.forEach((ch, t) => {
      const cls = classOf(values[t]);
      if (cls !== current) flush();
      current = cls;
      run.push(t);
    });
    flush();
    target.replaceChildren(...nodes);
  }

  const { saliency, forgetProducts, sci } = window.lstmBook; // lstm.js, shared with the explorer

  const sub = (u) => el("sub", { text: String(u.index) });
  // "h₁₂", or "layer 2 h₁₂" in a model of several layers
  const unitName = (u, layers) => [layers > 1 ? `layer ${u.layer} ${u.state}` : u.state, sub(u)];
  const sameUnit = (a, b) => a.layer === b.layer && a.state === b.state && a.index === b.index;

  const shown = (ch) => (ch === "\n" ? "↵" : ch === " " ? "␣" : ch);
  const watching = new Map(); // widget not yet in view → its IntersectionObserver

  function start(root) {
    root.dataset.started = "1";
    const link = root.querySelector("a.charlm-typer__data"), status = root.querySelector(".charlm-typer__status");
    const untrained = root.querySelector("a.charlm-typer__untrained");
    if (!link || !status) return;
    const seen = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      seen.disconnect(); watching.delete(root);
      window.lstmBook.fetchModel(link.href)
        .then(({ exported, model }) => build(root, status, { exported, model }, untrained && untrained.href))
        .catch((err) => { status.textContent = `The typer could not load its model (${err.message}).`; });
    }, { rootMargin: "400px" }); // start fetching a little before the widget scrolls into view
    watching.set(root, seen);
    seen.observe(root);
  }

  function build(root, status, trained, untrainedUrl) {
    const { vocab, other } = trained.exported.text;
    const ids = new Map([...vocab].map((ch, k) => [ch, k]));
    const OTHER = vocab.length; // every character outside the vocabulary
    const charOf = (k) => (k === OTHER ? other : vocab[k]);
    const models = { trained, untrained: null }; // the untrained one is fetched when first asked for
    let which = "trained", unit = 0, timer = null, last = { key: null, out: null }; // the last forward pass
    let underline = "none", lastGrad = { key: null, saliency: null }; // the row under the text; the last backward pass

    const label = el("span", { id: `charlm-typer-units-${Math.random().toString(36).slice(2)}`,
                               text: "colour by the unit for" });
    const buttons = trained.exported.units.map((u, k) => el("button", { type: "button", "data-unit": String(k) }));
    const row = el("div", { class: "lx-row", role: "group", "aria-labelledby": label.id }, label, ...buttons);
    const toggle = el("button", { type: "button", class: "charlm-typer__toggle", "aria-pressed": "false",
                                  text: "before training (the same seed)" });
    const toggleRow = el("div", { class: "lx-row" }, el("span", { text: "model:" }), toggle);
    const underlineLabel = el("span", { id: `${label.id}-underline`, text: "underline by:" });
    const underlineButtons = [["none", "nothing"], ["gradient", "‖∂z/∂e_t‖ for the prediction"],
      ["forget", "∏ f since t for the unit"]].map(([key, text]) =>
      el("button", { type: "button", "data-underline": key, text }));
    const underlineRow = el("div", { class: "lx-row", role: "group", "aria-labelledby": underlineLabel.id },
      underlineLabel, ...underlineButtons);
    const box = el("textarea", { class: "charlm-typer__box", rows: "12", spellcheck: "false", wrap: "off",
                                 autocapitalize: "off", autocomplete: "off", autocorrect: "off",
                                 "aria-label": "Python code for the model to read" });
    box.value = trained.exported.text.default;
    const about = el("p", { class: "charlm-label", role: "status" }); // announced: which unit, on what
    const view = el("div", { class: "charlm-text" });
    const swatch = (cls, text) => el("li", {}, el("span", { class: `charlm-typer__swatch ${cls}` }), text);
    const scaleNote = el("li", { class: "charlm-typer__scale" });
    const legend = el("ul", { class: "charlm-typer__legend", "aria-label": "colour legend" },
      swatch("p5", "high: the feature's direction"), swatch("p2", ""), swatch("", "near zero"), swatch("n2", ""),
      swatch("n5", "low: the other direction"), scaleNote);
    const markLegend = el("li", { class: "charlm-typer__scale" }), markRange = el("li");
    const markScale = el("li", {}, el("span", { class: "charlm-typer__swatch", style: "flex: 1 1 auto; " +
      `background-image: linear-gradient(to right, ${Array.from({ length: SEQUENTIAL + 1 }, (_, k) =>
        `var(--book-sequential-${k})`).join(", ")})` }));
    legend.append(markLegend, markScale, markRange);
    const side = el("div", { class: "charlm-typer__view" }, view, legend);
    const next = el("p", { class: "charlm-typer__next" });

    // Buttons name each feature's unit in the model shown; twins (two features, one unit) say so.
    function labelButtons(units, layers) {
      buttons.forEach((b, k) => {
        const twin = units.findIndex((v, j) => j !== k && sameUnit(v, units[k]));
        b.replaceChildren(`${units[k].label} · `, ...unitName(units[k], layers), twin >= 0 ? " (shared)" : "");
        b.title = twin >= 0 ? `the same unit as ${units[twin].label}` : "";
      });
    }

    // Read the box (the forward pass only when its text or the model changed) and show the chosen unit.
    function update() {
      const { exported, model } = models[which], units = exported.units, u = units[unit], H = model.H;
      const layers = exported.model.num_layers;
      const all = Array.from(box.value), chars = all.slice(0, MAX_CHARS), text = chars.join("");
      const first = all.length > MAX_CHARS ? `the first ${MAX_CHARS.toLocaleString("en")} characters of ` : "";
      labelButtons(units, layers);
      buttons.forEach((b, k) => b.setAttribute("aria-pressed", String(k === unit)));
      toggle.setAttribute("aria-pressed", String(which === "untrained"));
      const twins = units.filter((v, j) => j !== unit && sameUnit(v, u)).map((v) => v.label);
      about.replaceChildren(`${which === "trained" ? "After training" : "Before training (the same seed)"}: `,
        ...unitName(u, layers), `, r = ${u.r >= 0 ? "+" : "−"}${Math.abs(u.r).toFixed(2)} on the test files` +
        (twins.length ? `; the same unit as ${twins.join(" and ")}, so those buttons colour alike` : "") +
        `. Read from a zero state.`);
      scaleNote.textContent = `full colour at |value| ≥ ${u.scale.toPrecision(2)}, this unit's 99th percentile ` +
        "on the validation files";
      Object.assign(root.dataset, { model: which, unit: u.label, underline });
      underlineButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.underline === underline)));
      markLegend.hidden = markScale.hidden = markRange.hidden = underline === "none";
      if (!text) {
        view.replaceChildren(); next.textContent = "Type some Python above.";
        Object.assign(root.dataset, { text: "", values: "[]", next: "[]", marks: "[]" });
        return;
      }
      if (last.key !== which + "\u0000" + text) {
        const tokens = Int32Array.from(chars, (ch) => (ids.has(ch) ? ids.get(ch) : OTHER));
        const t0 = performance.now();
        last = { key: which + "\u0000" + text, out: window.lstmBook.forward(model, tokens) };
        root.dataset.forwardMs = (performance.now() - t0).toFixed(1);
      }
      const state = last.out.layers[u.layer - 1][u.state];
      const values = chars.map((_, t) => Math.max(-1, Math.min(1, u.sign * state[t * H + u.index] / u.scale)));
      const top = Array.from(last.out.probs, (p, k) => [p, k]).sort((a, b) => b[0] - a[0]).slice(0, 5);
      const marks = underline === "none" ? null : marksOf(model, u, layers, top[0][1]);
      colour(view, chars, values, marks && marks.stops);
      root.dataset.marks = JSON.stringify(marks ? marks.values : []);
      next.textContent = `Next character after ${first}this text, as the model sees it: ` + top.map(([p, k]) =>
        `${shown(charOf(k))} ${(100 * p).toFixed(1)}%`).join(" · ");
      Object.assign(root.dataset, { text, values: JSON.stringify(values),
        next: JSON.stringify(top.map(([p, k]) => [charOf(k), p])) });
    }

    // The underlined row: its values, their stops on the sequential scale, and the legend's words.
    function marksOf(model, u, layers, k) {
      const out = last.out;
      if (underline === "forget") {
        const all = forgetProducts(out.layers[u.layer - 1].f, out.T, model.H);
        const keep = Array.from({ length: out.T }, (_, t) => all[t * model.H + u.index]);
        markLegend.replaceChildren("underline: ∏ f since t of ", ...unitName(u, layers),
          ", the share of its c_t that the forget gates carry to the last character (Eq. 7)");
        markRange.textContent = "from 0 (purple) to 1 (yellow)";
        return { values: keep, stops: keep.map((v) => Math.round(v * SEQUENTIAL)) };
      }
      const key = `${last.key}\u0000${k}`; // the backward pass only when the text, model or prediction changed
      if (lastGrad.key !== key) lastGrad = { key, saliency: Array.from(saliency(model, out, k)) };
      const s = lastGrad.saliency, logs = s.map((v) => Math.log10(v));
      const lo = Math.min(...logs), hi = Math.max(...logs), span = hi - lo || 1;
      markLegend.textContent = `underline: ‖∂z/∂e_t‖, z the logit of the predicted next character ` +
        `${shown(charOf(k))}: how much the character read at t moves it (log scale)`;
      markRange.textContent = `from ${sci(10 ** lo, 1)} (purple) to ${sci(10 ** hi, 1)} (yellow)`;
      return { values: s, stops: logs.map((y) => Math.round(((y - lo) / span) * SEQUENTIAL)) };
    }

    buttons.forEach((b, k) => b.addEventListener("click", () => { clearTimeout(timer); unit = k; update(); }));
    underlineButtons.forEach((b) => b.addEventListener("click", () => {
      clearTimeout(timer); underline = b.dataset.underline; update();
    }));
    box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 150); });
    toggle.addEventListener("click", () => {
      clearTimeout(timer);
      if (which === "untrained") { which = "trained"; update(); return; }
      if (models.untrained) { which = "untrained"; update(); return; }
      if (!untrainedUrl) return;
      toggle.disabled = true;
      about.textContent = "Loading the untrained model…";
      window.lstmBook.fetchModel(untrainedUrl).then((m) => { models.untrained = m; which = "untrained"; })
        .catch((err) => { about.textContent = `The untrained model could not load (${err.message}).`; })
        .finally(() => { toggle.disabled = false; if (models.untrained) update(); });
    });
    update();
    status.replaceWith(row, toggleRow, underlineRow, box, about, side, next);
    root.classList.add("charlm-typer--ready");
  }

  // Material's document$ emits on the first load and after every instant navigation.
  // Observers of widgets that instant navigation took off the page are let go.
  document$.subscribe(() => {
    for (const [root, seen] of watching) if (!root.isConnected) { seen.disconnect(); watching.delete(root); }
    document.querySelectorAll(".charlm-typer:not([data-started])").forEach(start);
  });
})();
