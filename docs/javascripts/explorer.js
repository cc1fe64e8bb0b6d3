// explorer.js — the live explorer on "What the gates learn" (docs/part3-experiments/gates.md).
//
// The trained flagship LSTM reads a temporal-order sequence in the reader's browser (lstm.js, the
// forward pass, Eqs. (4)–(9)); this file is the page around it: pick or edit a sequence, see the
// prediction and heatmaps of i, f, g, o, c, h (units × steps) for one layer, move a cursor over them.
// Nothing is trained here: the weights were exported by lstm_book/book/web_export.py.
//
// Markup (see gates.md):  <div class="lstm-explorer"> … <a class="lstm-explorer__data" href="…json"> … </div>
// The link is the data file; the browser resolves its href relative to the page, so the same page
// works under `mkdocs serve` and on the site served from /lstm-from-first-principles/.
//
// For tests and curious readers the root element exposes what it shows as data attributes:
// data-sequence, data-predicted, data-probs, data-true, data-layer, data-t, data-unit,
// data-means (the mean of each panel), data-forward-ms; lstmBook.temporalOrder holds the task's rules.
(function () {
  "use strict";

  // The book's palette, read from the CSS custom properties of docs/stylesheets/palette.css (written from
  // lstm_book/book/palette.py, like every figure's and diagram's colours): the sequential scale (viridis,
  // 17 stops) for gates, the diverging scale (blue below zero, vermillion above) for signed values.
  function paletteStops(prefix, names) {
    const css = getComputedStyle(document.documentElement);
    return names.map((name) => {
      const value = css.getPropertyValue(`--book-${prefix}${name}`).trim();
      if (!/^#[0-9a-fA-F]{6}$/.test(value)) throw new Error(`the palette has no colour --book-${prefix}${name}: is palette.css loaded?`);
      return value;
    });
  }
  const SYMBOLS_WITH_COLOUR = new Set(["X", "Y", "B", "E"]); // distractors are plain text
  const VIRIDIS = paletteStops("sequential-", [...Array(17).keys()]);
  const DIVERGING = paletteStops("diverging-", ["negative", "zero", "positive"]);
  const PANELS = [
    { key: "i", title: "input gate i", eq: 5, map: "gate" },
    { key: "f", title: "forget gate f", eq: 4, map: "gate" },
    { key: "g", title: "candidate g", eq: 6, map: "signed" },
    { key: "o", title: "output gate o", eq: 8, map: "gate" },
    { key: "c", title: "cell state c", eq: 7, map: "cell" },
    { key: "h", title: "hidden state h", eq: 9, map: "signed" },
  ];

  // ----- colour maps: value → [r, g, b] ------------------------------------------------------
  const rgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  const VIRIDIS_RGB = VIRIDIS.map(rgb), DIVERGING_RGB = DIVERGING.map(rgb);
  function ramp(stops, x) { // x in [0, 1], linear interpolation between evenly spaced stops
    const u = Math.min(Math.max(x, 0), 1) * (stops.length - 1), k = Math.min(Math.floor(u), stops.length - 2);
    return stops[k].map((v, n) => v + (u - k) * (stops[k + 1][n] - v));
  }
  const colourOf = (value, range) => range[0] === 0
    ? ramp(VIRIDIS_RGB, value)                                      // gates: [0, 1]
    : ramp(DIVERGING_RGB, (value - range[0]) / (range[1] - range[0])); // g, h: [−1, 1]; c: [−s, s], clipped
  const gradientCss = (range) => `linear-gradient(to right, ${(range[0] === 0 ? VIRIDIS : DIVERGING).join(", ")})`;

  // ----- the task's rules (lstm_book/tasks.py) -------------------------------------------------
  // temporal_order_windows: a fraction (lo, hi) of the length T becomes positions [floor(lo·T), floor(hi·T)].
  const windowsAt = (T, fractions) => fractions.map(([lo, hi]) => [Math.floor(lo * T + 1e-9), Math.floor(hi * T + 1e-9)]);

  // The true class of a sequence of symbols, or why it has none: exactly one X or Y in each window, B
  // first, E last; the label reads the X/Y symbols as a binary number, X = 0, Y = 1, first most significant.
  function trueClass(symbols, task) {
    const T = symbols.length, K = task.num_symbols;
    if (symbols[0] !== task.begin || symbols[T - 1] !== task.end) return { reason: "it must start with B and end with E" };
    const marked = [];
    symbols.forEach((s, t) => { if (task.informative.includes(s)) marked.push(t); });
    if (marked.length !== K) return { reason: `it holds ${marked.length} X/Y symbols; the task has exactly ${K}` };
    const windows = windowsAt(T, task.window_fractions);
    for (let k = 0; k < K; k++) {
      const [lo, hi] = windows[k], t = marked[k];
      if (t < lo || t > hi) return { reason: `X/Y number ${k + 1} is at t = ${t}, outside its window [${lo}, ${hi}]` };
    }
    const label = marked.reduce((acc, t) => 2 * acc + task.informative.indexOf(symbols[t]), 0);
    return { label, name: task.classes[label] };
  }

  // A small seeded generator (mulberry32), for new distractors that are the same on every reload.
  function random(seed) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
      return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    };
  }

  // ----- small DOM helpers --------------------------------------------------------------------------
  const el = (...args) => window.lstmBook.el(...args);
  const fmt = (x) => (x < 0 ? "−" : "") + Math.abs(x).toFixed(3);
  const pct = (p, digits = 1) => (100 * p).toFixed(digits) + "%";

  // ----- one explorer ---------------------------------------------------------------------------------
  function start(root) {
    root.dataset.started = "1";
    const link = root.querySelector("a.lstm-explorer__data");
    if (!link) return;
    const status = root.querySelector(".lstm-explorer__status");
    window.lstmBook.fetchModel(link.href).then(({ exported, model }) => build(root, exported, model, link)).catch((err) => {
      status.textContent = `The explorer could not load its data (${err.message}).`;
      if (!status.isConnected) root.prepend(status); // build removed it before failing
    });
  }

  function build(root, exported, model, link) {
    const task = exported.task, symbols = task.symbols, H = model.H;
    const id = (s) => symbols.indexOf(s);
    const lengths = Object.keys(task.length_accuracy).map(Number);
    // the length slider spans the lengths at which the model's accuracy was measured
    const minT = lengths.length ? Math.min(...lengths) : task.seq_len;
    const maxT = lengths.length ? Math.max(...lengths) : task.seq_len;
    const distractorIds = task.distractors.map(id);
    const next = random(1);
    let tape = []; // a distractor for every position, used wherever a new one is needed
    const newTape = () => {
      tape = Array.from({ length: maxT }, () => distractorIds[Math.floor(next() * distractorIds.length)]);
    };
    newTape();

    // index: the test sequence shown, or null once edited; base: the test sequence "reset" returns to
    const state = { tokens: [], index: 0, base: 0, layer: 0, t: 0, unit: 0, unitMoved: false, hover: null };
    let result = null;

    // --- the DOM ---
    const select = el("select", { "aria-label": "test sequence" }, ...exported.sequences.map((s, k) =>
      el("option", { value: String(k), text: `test #${k} · ${s.class} (X/Y at ${s.positions.join(", ")})` })));
    const layerButtons = Array.from({ length: model.L }, (_, l) =>
      el("button", { type: "button", text: `layer ${l + 1}` }));
    const length = el("input", { type: "range", min: String(minT), max: String(maxT), step: "1",
      "aria-label": "sequence length T" });
    const lengthOut = el("output", { class: "lx-length" });
    const shuffle = el("button", { type: "button", text: "new distractors" });
    const reset = el("button", { type: "button", text: "reset" });
    const editAt = el("span", { class: "lx-edit__at" });
    const symbolButtons = [...task.distractors, ...task.informative].map((s) =>
      el("button", { type: "button", class: "lx-sym", "data-symbol": s, text: s }));
    const prediction = el("div", { class: "lx-prediction", "aria-live": "polite" });
    const truth = el("p", { class: "lx-truth" });
    const sequenceText = el("code", { class: "lx-sequence" });
    const plots = el("div", { class: "lx-plots", tabindex: "0", role: "application",
      "aria-label": "heatmaps: arrow keys move the cursor; a, b, c, d, x, y set the symbol at the cursor" });
    const panels = PANELS.map((p) => {
      const canvas = el("canvas", { class: "lx-canvas" });
      const swatch = el("span", { class: "lx-swatch" }), lo = el("span"), hi = el("span");
      const plot = el("div", { class: "lx-plot" }, canvas, el("div", { class: "lx-col" }), el("div", { class: "lx-cell" }));
      const node = el("div", { class: "lx-panel", "data-key": p.key },
        el("div", { class: "lx-panel__title" }, el("span", { text: `${p.title} · Eq. (${p.eq})` }),
          el("span", { class: "lx-legend" }, lo, swatch, hi)), plot);
      plots.append(node);
      return { ...p, node, canvas, plot, swatch, lo, hi };
    });
    const strip = el("div", { class: "lx-strip", "aria-hidden": "true" });
    const stripWrap = el("div", { class: "lx-plot lx-plot--strip" }, strip, el("div", { class: "lx-col" }));
    plots.append(el("div", { class: "lx-panel__title" }, el("span", { text: "the sequence (t = 0 at the left)" })), stripWrap);
    const readout = el("div", { class: "lx-readout" });

    root.querySelector(".lstm-explorer__status").remove();
    root.prepend(
      el("div", { class: "lx-row" }, select, reset, shuffle),
      el("div", { class: "lx-row" }, el("label", {}, "length ", length), lengthOut),
      el("div", { class: "lx-result" }, prediction, truth),
      el("div", { class: "lx-row" }, el("span", { text: "heatmaps of " }), ...layerButtons),
      el("div", { class: "lx-row lx-edit" }, editAt, ...symbolButtons),
      plots, readout,
      el("p", { class: "lx-seqline" }, el("span", { text: "sequence: " }), sequenceText));
    const meta = exported.meta, source = link.closest("p");
    source.append(` Model ${meta.model}: seed ${meta.seed}, test accuracy ${pct(meta.test_accuracy)} on ` +
      `${meta.test_sequences} held-out sequences, exported with torch ${meta.torch}.`);
    root.append(source);

    // --- state changes ---
    const rangeOf = (p) => p.map === "gate" ? [0, 1] : p.map === "signed" ? [-1, 1]
      : [-exported.display.c_scale[state.layer], exported.display.c_scale[state.layer]];

    function setTokens(tokens) {
      state.tokens = tokens;
      const t0 = performance.now();
      result = window.lstmBook.forward(model, tokens);
      root.dataset.forwardMs = (performance.now() - t0).toFixed(2);
      state.t = Math.min(state.t, tokens.length - 1);
      render();
    }

    function loadSequence(k) {
      const s = exported.sequences[k];
      state.index = state.base = k;
      state.t = s.positions[0]; // start on the first informative symbol
      setTokens([...s.tokens].map(id));
    }

    // A new length: B and E move to the ends, an X/Y inside a window keeps its relative place in the
    // (rescaled) window, one outside keeps its relative place in the sequence; distractors stay where
    // they are, and new positions take theirs from the tape.
    function resize(T) {
      const old = state.tokens, T0 = old.length;
      if (T === T0) return;
      const w0 = windowsAt(T0, task.window_fractions), w1 = windowsAt(T, task.window_fractions);
      const out = Array.from({ length: T }, (_, t) =>
        (t < T0 - 1 && distractorIds.includes(old[t]) ? old[t] : tape[t]));
      out[0] = id(task.begin); out[T - 1] = id(task.end);
      const clamp = (t) => Math.min(Math.max(t, 1), T - 2);
      let cursor = clamp(Math.round((state.t * (T - 1)) / (T0 - 1)));
      old.forEach((v, t) => {
        if (!task.informative.includes(symbols[v])) return;
        const k = w0.findIndex(([lo, hi]) => t >= lo && t <= hi);
        const moved = clamp(k < 0 ? Math.round((t * (T - 1)) / (T0 - 1))
          : w1[k][0] + Math.round(((t - w0[k][0]) * (w1[k][1] - w1[k][0])) / (w0[k][1] - w0[k][0])));
        out[moved] = v;
        if (t === state.t) cursor = moved; // a cursor on an X or Y moves with it
      });
      state.t = cursor;
      state.index = null;
      setTokens(out);
    }

    function setSymbol(s) {
      const t = state.t, T = state.tokens.length;
      if (t <= 0 || t >= T - 1 || !(task.distractors.includes(s) || task.informative.includes(s))) return;
      const tokens = state.tokens.slice();
      tokens[t] = id(s);
      state.index = null;
      setTokens(tokens);
    }

    function setLayer(l) {
      if (!state.unitMoved) state.unit = exported.display.memory_unit[l];
      state.layer = l;
      render();
    }

    // --- drawing ---
    const percent = (x) => `${(100 * x).toFixed(4)}%`; // a position along the time or unit axis

    function render() {
      const T = state.tokens.length, syms = state.tokens.map((v) => symbols[v]);
      const means = drawPanels(T, syms);
      drawStrip(T, syms);
      const truthOf = trueClass(syms, task), best = result.probs.indexOf(Math.max(...result.probs));
      showPrediction(truthOf, best);
      const acc = task.length_accuracy[String(T)];
      lengthOut.textContent = `T = ${T}` + (acc === undefined ? "" : ` · the model gets ${pct(acc)} of held-out ` +
        `sequences of this length right (trained at T = ${task.seq_len})`);
      length.value = String(T);
      let edited = select.querySelector("option[value='']");
      if (state.index === null) {
        if (!edited) select.prepend((edited = el("option", { value: "" })));
        edited.textContent = `edited from test #${state.base}`;
      } else if (edited) edited.remove();
      select.value = state.index === null ? "" : String(state.index);
      sequenceText.textContent = syms.join("");
      layerButtons.forEach((b, l) => b.setAttribute("aria-pressed", String(l === state.layer)));
      Object.assign(root.dataset, {
        sequence: syms.join(""), predicted: task.classes[best], true: truthOf.name || "",
        probs: JSON.stringify(Array.from(result.probs)), layer: String(state.layer + 1), means: JSON.stringify(means),
      });
      renderCursor();
    }

    // One canvas pixel per (step t, unit j): column t, row j, as in the static figure. Returns the
    // mean of each panel.
    function drawPanels(T, syms) {
      const layer = result.layers[state.layer], means = {};
      for (const p of panels) {
        const range = rangeOf(p), values = layer[p.key];
        p.canvas.width = T; p.canvas.height = H;
        const ctx = p.canvas.getContext("2d"), image = ctx.createImageData(T, H);
        let sum = 0;
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < H; j++) {
            const v = values[t * H + j], n = 4 * (j * T + t);
            image.data.set([...colourOf(v, range), 255], n);
            sum += v;
          }
        }
        ctx.putImageData(image, 0, 0);
        means[p.key] = sum / (T * H);
        p.swatch.style.backgroundImage = gradientCss(range);
        p.lo.textContent = String(range[0]).replace("-", "−");
        p.hi.textContent = p.map === "cell" ? `${range[1]} (clipped)` : String(range[1]);
        // dashed lines at the informative symbols, as in the static figure
        p.plot.querySelectorAll(".lx-mark").forEach((m) => m.remove());
        syms.forEach((s, t) => {
          if (task.informative.includes(s)) p.plot.append(el("div", { class: "lx-mark", style: `left: ${percent((t + 0.5) / T)}` }));
        });
      }
      return means;
    }

    // The sequence under the heatmaps, one cell per step, the windows of the X/Y symbols shaded.
    function drawStrip(T, syms) {
      strip.replaceChildren(...syms.map((s) => el("span", { class: SYMBOLS_WITH_COLOUR.has(s) ? `lx-s lx-s--${s}` : "lx-s", text: s })));
      stripWrap.querySelectorAll(".lx-window").forEach((w) => w.remove());
      for (const [lo, hi] of windowsAt(T, task.window_fractions)) {
        stripWrap.prepend(el("div", { class: "lx-window", style: `left: ${percent(lo / T)}; width: ${percent((hi - lo + 1) / T)}` }));
      }
      fitStrip();
    }

    function showPrediction(truthOf, best) {
      const bar = (name, k) => el("div", { class: "lx-bar" + (k === best ? " lx-bar--best" : "") + (k === truthOf.label ? " lx-bar--true" : "") },
        el("span", { class: "lx-bar__name", text: name }),
        el("span", { class: "lx-bar__track" }, el("span", { class: "lx-bar__fill", style: `width: ${percent(result.probs[k])}` })),
        el("span", { class: "lx-bar__value", text: pct(result.probs[k], 2) }));
      prediction.replaceChildren(
        el("div", { class: "lx-prediction__head" }, "prediction: ", el("strong", { text: task.classes[best] })),
        ...task.classes.map(bar));
      truth.textContent = truthOf.name
        ? `True class ${truthOf.name}: the model is ${truthOf.label === best ? "right" : "wrong"}.`
        : `No true class: ${truthOf.reason}.`;
    }

    // The cursor: a column (one step) in every panel and the strip, a cell (one unit) in each panel,
    // and the values of that step in the readout: the hovered cell if any, else the pinned one.
    // Edits apply to the pinned step.
    function renderCursor() {
      const T = state.tokens.length, { t, unit } = state.hover || state;
      for (const col of plots.querySelectorAll(".lx-col")) Object.assign(col.style, { left: percent(t / T), width: percent(1 / T) });
      for (const cell of plots.querySelectorAll(".lx-cell")) {
        Object.assign(cell.style, { left: percent(t / T), width: percent(1 / T), top: percent(unit / H), height: percent(1 / H) });
      }
      const layer = result.layers[state.layer];
      const mean = (key) => { let m = 0; for (let j = 0; j < H; j++) m += layer[key][t * H + j]; return m / H; };
      const memory = unit === exported.display.memory_unit[state.layer] ? ` (unit ${unit} is this layer's strongest memory of the first X/Y)` : "";
      readout.replaceChildren(
        el("p", {}, `t = ${t}, symbol `, el("strong", { text: symbols[state.tokens[t]] }), `, layer ${state.layer + 1}${memory}`),
        el("table", { class: "lx-table" },
          el("thead", {}, el("tr", {}, el("th"), el("th", { text: `unit ${unit}` }), el("th", { text: `mean of ${H} units` }))),
          el("tbody", {}, ...PANELS.map((p) => el("tr", { "data-key": p.key },
            el("th", { text: `${p.key}, Eq. (${p.eq})` }),
            el("td", { text: fmt(layer[p.key][t * H + unit]) }), el("td", { text: fmt(mean(p.key)) }))))));
      const editable = state.t > 0 && state.t < T - 1, here = symbols[state.tokens[state.t]];
      editAt.textContent = editable ? `set t = ${state.t} to` : `t = ${state.t} is ${here}; pick 0 < t < ${T - 1} to edit`;
      for (const b of symbolButtons) {
        b.disabled = !editable;
        b.setAttribute("aria-pressed", String(b.dataset.symbol === here));
      }
      Object.assign(root.dataset, { t: String(state.t), unit: String(state.unit) });
    }

    // distractor letters need about 6 px each; below that the strip shows colours only
    function fitStrip() { strip.classList.toggle("lx-strip--narrow", strip.clientWidth / state.tokens.length < 6); }

    // --- input: pointer (hover shows, press or tap pins), keys, buttons ---
    function cursorAt(event) {
      const box = plots.querySelector(".lx-plot").getBoundingClientRect(), T = state.tokens.length;
      const t = Math.min(T - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * T)));
      const plot = event.target.closest(".lx-plot:not(.lx-plot--strip)");
      let unit = (state.hover || state).unit;
      if (plot) {
        const r = plot.getBoundingClientRect();
        unit = Math.min(H - 1, Math.max(0, Math.floor(((event.clientY - r.top) / r.height) * H)));
      }
      return { t, unit, onPlot: !!plot };
    }
    const pin = (c) => {
      state.t = c.t;
      if (c.onPlot) Object.assign(state, { unit: c.unit, unitMoved: true });
      state.hover = null;
      renderCursor();
    };
    plots.addEventListener("pointerdown", (e) => pin(cursorAt(e)));
    plots.addEventListener("pointermove", (e) => {
      if (e.pointerType === "mouse" && e.buttons === 0) { state.hover = cursorAt(e); renderCursor(); } // hovering
      else pin(cursorAt(e)); // dragging with a mouse button, a finger or a pen
    });
    plots.addEventListener("pointerleave", () => { state.hover = null; renderCursor(); });
    plots.addEventListener("keydown", (e) => {
      const T = state.tokens.length, step = e.shiftKey ? 10 : 1;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -1], ArrowDown: [0, 1],
                      Home: [-T, 0], End: [T, 0] }; // [Δt, Δunit]
      const move = moves[e.key];
      if (move) {
        e.preventDefault();
        const unit = Math.min(H - 1, Math.max(0, state.unit + move[1]));
        pin({ t: Math.min(T - 1, Math.max(0, state.t + move[0])), unit, onPlot: move[1] !== 0 });
      } else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
        const s = /[xy]/i.test(e.key) ? e.key.toUpperCase() : e.key.toLowerCase();
        if (task.distractors.includes(s) || task.informative.includes(s)) { e.preventDefault(); setSymbol(s); }
      }
    });
    symbolButtons.forEach((b) => b.addEventListener("click", () => setSymbol(b.dataset.symbol)));
    layerButtons.forEach((b, l) => b.addEventListener("click", () => setLayer(l)));
    select.addEventListener("change", () => { if (select.value !== "") loadSequence(Number(select.value)); });
    reset.addEventListener("click", () => loadSequence(state.base));
    length.addEventListener("input", () => resize(Number(length.value)));
    shuffle.addEventListener("click", () => {
      newTape();
      state.index = null;
      setTokens(state.tokens.map((v, t) => (distractorIds.includes(v) ? tape[t] : v)));
    });
    const resized = new ResizeObserver(() => (root.isConnected ? fitStrip() : resized.disconnect()));
    resized.observe(strip);

    state.unit = exported.display.memory_unit[0];
    loadSequence(0);
    root.classList.add("lstm-explorer--ready");
  }

  // The task's rules, for tests (tests/site/test_explorer.py checks them against lstm_book/tasks.py).
  window.lstmBook.temporalOrder = { windowsAt, trueClass };

  // Material's document$ emits on the first load and after every instant navigation (which swaps the
  // page's content without reloading the scripts). A widget already started carries data-started.
  document$.subscribe(() => {
    document.querySelectorAll(".lstm-explorer:not([data-started])").forEach(start);
  });
})();
