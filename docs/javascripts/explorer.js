// explorer.js — the live explorer on "What the gates learn" (docs/part3-experiments/gates.md).
//
// A trained LSTM reads a temporal-order sequence in the reader's browser (lstm.js, the forward pass,
// Eqs. (4)–(9)); this file is the page around it: pick the model (the flagship, trained at T = 100, or
// a frontier model trained at T = 1000), pick or edit a sequence, see the prediction and heatmaps of
// i, f, g, o, c, h (units × steps) for one layer, move a cursor over them. A click on the prediction
// shows why: ‖∂z/∂e_t‖, how much the predicted class's logit z moves with each step's input embedding
// e_t (lstm.js's backward pass, Eqs. (13)–(15)), and ∏ f since t, the share of c_t that the forget
// gates carry to the end along the cell state. Nothing is trained here: the weights were exported by
// lstm_book/book/web_export.py.
//
// Markup (see gates.md):  <div class="lstm-explorer"> … <a class="lstm-explorer__data" href="…json">label</a> … </div>
// Each link is one model's data file (the first opens); the browser resolves its href relative to the
// page, so the same page works under `mkdocs serve` and on the site served from /lstm-from-first-principles/.
//
// For tests and curious readers the root element exposes what it shows as data attributes:
// data-model (the index of the link shown), data-sequence, data-predicted, data-probs, data-true,
// data-layer, data-t, data-unit, data-means (the mean of each panel), data-saliency (‖∂z/∂e_t‖ for
// every t, while that view is open), data-forward-ms; lstmBook.temporalOrder holds the task's rules.
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
    if (marked.length !== K) {
      const holds = marked.length === 0 ? "no X or Y" : marked.length === 1 ? "only one X or Y" : `${marked.length} X/Y symbols`;
      return { reason: `it holds ${holds}; the task has exactly ${K}, one in each window` };
    }
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

  // ----- why the model chose its class: lstmBook.saliency and lstmBook.forgetProducts (lstm.js) -------------
  const { saliency: saliencyOf, forgetProducts, sci } = window.lstmBook;

  // ----- small DOM helpers --------------------------------------------------------------------------
  const el = (...args) => window.lstmBook.el(...args);
  const fmt = (x) => (x < 0 ? "−" : "") + Math.abs(x).toFixed(3);
  const pct = (p, digits = 1) => (100 * p).toFixed(digits) + "%";
  // A heatmap or bar row: its title (text or a node) and legend, a y axis (what the rows are: units), the plot.
  function panelNode(title, legend, plot, yTicks, yName) {
    const axis = el("div", { class: "lx-yaxis", "aria-hidden": "true" },
      el("span", { text: yTicks[0] }), el("span", { class: "lx-yaxis__name", text: yName }), el("span", { text: yTicks[1] }));
    return el("div", { class: "lx-panel" },
      el("div", { class: "lx-panel__title" }, typeof title === "string" ? el("span", { text: title }) : title, legend || ""),
      el("div", { class: "lx-axes" }, axis, plot));
  }

  // ----- one explorer ---------------------------------------------------------------------------------
  // The widget, for the model of each data link; the first opens, the model buttons switch.
  function start(root) {
    root.dataset.started = "1";
    const links = [...root.querySelectorAll("a.lstm-explorer__data")];
    if (!links.length) return;
    const status = root.querySelector(".lstm-explorer__status"), source = links[0].closest("p");
    let current = null; // the model shown: { onKey, destroy }
    function show(k, focus = false) {
      return window.lstmBook.fetchModel(links[k].href).then(({ exported, model }) => {
        if (current) current.destroy();
        current = build(root, exported, model, { labels: links.map((a) => a.textContent.trim()), active: k, show });
        root.append(source); // the data links stay under the widget
        if (focus) root.querySelector(`.lx-model button[data-model="${k}"]`).focus();
      });
    }
    show(0).catch((err) => {
      status.textContent = `The explorer could not load its data (${err.message}).`;
      if (!status.isConnected) root.prepend(status); // build removed it before failing
    });
    // One key handler for the widget: a letter sets the symbol at the cursor wherever the focus is in
    // it (after a click on X or Y too), except in the sequence menu, whose letters pick an option.
    root.addEventListener("keydown", (e) => { if (current) current.onKey(e); });
  }

  function build(root, exported, model, models) {
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

    // index: the test sequence shown, or null once edited; base: the test sequence "reset" returns to;
    // why: the gradient view is open
    const state = { tokens: [], index: 0, base: 0, layer: 0, t: 0, unit: 0, unitMoved: false, hover: null, why: false };
    // the forward pass of state.tokens; in the gradient view, ‖∂z/∂e_t‖ for its prediction and ∏ f since t
    let result = null, saliency = null, keep = null;

    // --- the DOM ---
    const meta = exported.meta;
    const modelButtons = models.labels.map((label, k) =>
      el("button", { type: "button", "data-model": String(k), "aria-pressed": String(k === models.active), text: label }));
    const modelInfo = el("span", { class: "lx-model__info", "aria-live": "polite", text:
      `seed ${meta.seed}, ${meta.init_label}: ${pct(meta.test_accuracy)} of ${meta.test_sequences.toLocaleString("en")} ` +
      `held-out sequences at T = ${task.seq_len}` });
    const select = el("select", { "aria-label": "test sequence" }, ...exported.sequences.map((s, k) =>
      el("option", { value: String(k), text: `test #${k} · ${s.class} (X/Y at ${s.positions.join(", ")})` })));
    const layerButtons = Array.from({ length: model.L }, (_, l) =>
      el("button", { type: "button", text: `layer ${l + 1}` }));
    const length = el("input", { type: "range", min: String(minT), max: String(maxT), step: "1",
      "aria-label": "sequence length T" });
    const lengthLabel = el("label", {}, "length ", length);
    if (minT === maxT) lengthLabel.hidden = length.disabled = true; // a model measured at its own length only
    const lengthOut = el("output", { class: "lx-length" });
    const shuffle = el("button", { type: "button", text: "new distractors" });
    const reset = el("button", { type: "button", text: "reset" });
    const editAt = el("span", { class: "lx-edit__at" });
    const symbolButtons = [...task.distractors, ...task.informative].map((s) =>
      el("button", { type: "button", class: "lx-sym", "data-symbol": s, text: s }));
    const why = el("button", { type: "button", class: "lx-why", "aria-pressed": "false" });
    const bars = el("div", { class: "lx-bars", "aria-live": "polite" });
    const truth = el("p", { class: "lx-truth" });
    const sequenceText = el("code", { class: "lx-sequence", tabindex: "0", "aria-label": "the sequence as text (scrolls sideways)" });
    const plots = el("div", { class: "lx-plots", tabindex: "0", role: "application",
      "aria-label": "heatmaps: arrow keys move the cursor (with Shift, a tenth of the sequence); a, b, c, d, x, y set the symbol at the cursor" });

    // the gradient view (hidden until the prediction is clicked): ‖∂z/∂e_t‖ as bars, ∏ f since t
    const salCanvas = el("canvas", { class: "lx-canvas lx-canvas--bars" });
    const salPlot = el("div", { class: "lx-plot lx-plot--bars" }, salCanvas, el("div", { class: "lx-col" }));
    const salTitle = el("span"), salRange = [el("span"), el("span")];
    const salPanel = panelNode(salTitle, el("span", { class: "lx-legend" }, salRange[0],
      el("span", { class: "lx-swatch", style: `background-image: ${gradientCss([0, 1])}` }), salRange[1]), salPlot, ["", ""], "log");
    salPanel.classList.add("lx-why-panel");
    salPanel.dataset.key = "saliency";
    const KEEP = { key: "keep", title: "∏ f since t: the share of c_t that the forget gates carry to the last step · Eq. (7)", map: "gate" };
    const heatmap = (p) => {
      const canvas = el("canvas", { class: "lx-canvas" });
      const swatch = el("span", { class: "lx-swatch" }), lo = el("span"), hi = el("span");
      const plot = el("div", { class: "lx-plot" }, canvas, el("div", { class: "lx-col" }), el("div", { class: "lx-cell" }));
      const node = panelNode(p.title + (p.eq ? ` · Eq. (${p.eq})` : ""), el("span", { class: "lx-legend" }, lo, swatch, hi),
        plot, ["0", String(H - 1)], "unit");
      node.dataset.key = p.key;
      return { ...p, node, canvas, plot, swatch, lo, hi };
    };
    const keepPanel = heatmap(KEEP);
    keepPanel.node.classList.add("lx-why-panel");
    const panels = PANELS.map(heatmap);
    plots.append(salPanel, keepPanel.node, ...panels.map((p) => p.node));
    const strip = el("div", { class: "lx-strip", "aria-hidden": "true" });
    const stripWrap = el("div", { class: "lx-plot lx-plot--strip" }, strip, el("div", { class: "lx-col" }));
    const xTicks = [el("span"), el("span", { class: "lx-xaxis__name", text: "time step t →" }), el("span")];
    plots.append(panelNode("the sequence x_t", null, stripWrap, ["", ""], "x"),
      el("div", { class: "lx-xaxis", "aria-hidden": "true" }, ...xTicks));
    const readout = el("div", { class: "lx-readout" });

    const status = root.querySelector(".lstm-explorer__status");
    if (status) status.remove();
    const body = el("div", { class: "lx-body" },
      el("div", { class: "lx-row lx-model", role: "group", "aria-label": "model" }, el("span", { text: "model:" }), ...modelButtons, modelInfo),
      el("div", { class: "lx-row" }, select, reset, shuffle),
      el("div", { class: "lx-row" }, lengthLabel, lengthOut),
      el("div", { class: "lx-result" }, why, bars, truth),
      el("div", { class: "lx-row" }, el("span", { text: "heatmaps of " }), ...layerButtons),
      el("div", { class: "lx-row lx-edit" }, editAt, ...symbolButtons),
      plots, readout,
      el("p", { class: "lx-seqline" }, el("span", { text: "sequence: " }), sequenceText));
    root.prepend(body);
    root.dataset.model = String(models.active);

    // --- state changes ---
    const rangeOf = (p) => p.map === "gate" ? [0, 1] : p.map === "signed" ? [-1, 1]
      : [-exported.display.c_scale[state.layer], exported.display.c_scale[state.layer]];

    function setTokens(tokens) {
      state.tokens = tokens;
      const t0 = performance.now();
      result = window.lstmBook.forward(model, tokens);
      root.dataset.forwardMs = (performance.now() - t0).toFixed(2);
      saliency = null;
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
    const best = () => result.probs.indexOf(Math.max(...result.probs));

    function render() {
      const T = state.tokens.length, syms = state.tokens.map((v) => symbols[v]), k = best();
      if (state.why && !saliency) saliency = saliencyOf(model, result, k);
      const layer = result.layers[state.layer];
      keep = state.why ? forgetProducts(layer.f, T, H) : null;
      const shown = state.why ? [...panels, { ...keepPanel, values: keep }] : panels;
      const means = drawPanels(T, syms, shown.map((p) => ({ ...p, values: p.values || layer[p.key] })));
      if (state.why) drawSaliency(T, task.classes[k]);
      drawStrip(T, syms);
      const truthOf = trueClass(syms, task);
      showPrediction(truthOf, k);
      const acc = task.length_accuracy[String(T)];
      lengthOut.textContent = `T = ${T}` + (acc === undefined ? "" : ` · the model gets ${pct(acc)} of held-out ` +
        `sequences of this length right (trained at T = ${task.seq_len})`);
      length.value = String(T);
      xTicks[0].textContent = "0";
      xTicks[2].textContent = String(T - 1);
      let edited = select.querySelector("option[value='']");
      if (state.index === null) {
        if (!edited) select.prepend((edited = el("option", { value: "" })));
        edited.textContent = `edited from test #${state.base}`;
      } else if (edited) edited.remove();
      select.value = state.index === null ? "" : String(state.index);
      sequenceText.textContent = syms.join("");
      layerButtons.forEach((b, l) => b.setAttribute("aria-pressed", String(l === state.layer)));
      plots.classList.toggle("lx-plots--why", state.why);
      Object.assign(root.dataset, {
        sequence: syms.join(""), predicted: task.classes[k], true: truthOf.name || "",
        probs: JSON.stringify(Array.from(result.probs)), layer: String(state.layer + 1), means: JSON.stringify(means),
      });
      if (state.why) root.dataset.saliency = JSON.stringify(Array.from(saliency));
      else delete root.dataset.saliency;
      renderCursor();
    }

    // One canvas pixel per (step t, unit j): column t, row j, as in the static figure. Returns the
    // mean of each panel.
    function drawPanels(T, syms, shown) {
      const means = {};
      for (const p of shown) {
        const range = rangeOf(p), values = p.values;
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
        markSymbols(p.plot, T, syms);
      }
      return means;
    }

    // dashed lines at the informative symbols, as in the static figure
    function markSymbols(plot, T, syms) {
      plot.querySelectorAll(".lx-mark").forEach((m) => m.remove());
      syms.forEach((s, t) => {
        if (task.informative.includes(s)) plot.append(el("div", { class: "lx-mark", style: `left: ${percent((t + 0.5) / T)}` }));
      });
    }

    // ‖∂z/∂e_t‖ as one bar per step on a log scale from the smallest value (a bar of one pixel) to
    // the largest (full height), coloured by the same fraction on the sequential scale.
    function drawSaliency(T, name) {
      const rows = 48, logs = Array.from(saliency, (v) => Math.log10(v));
      const lo = Math.min(...logs), hi = Math.max(...logs), span = hi - lo || 1;
      salCanvas.width = T; salCanvas.height = rows;
      const ctx = salCanvas.getContext("2d"), image = ctx.createImageData(T, rows);
      logs.forEach((y, t) => {
        const u = (y - lo) / span, height = Math.max(1, Math.round(u * rows)), colour = [...ramp(VIRIDIS_RGB, u), 255];
        for (let r = rows - height; r < rows; r++) image.data.set(colour, 4 * (r * T + t));
      });
      ctx.putImageData(image, 0, 0);
      salTitle.textContent = `‖∂z/∂e_t‖, z the logit of ${name}: how much the symbol read at step t moves it (log scale)`;
      salRange[0].textContent = sci(10 ** lo, 1);
      salRange[1].textContent = sci(10 ** hi, 1);
      markSymbols(salPlot, T, state.tokens.map((v) => symbols[v]));
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

    function showPrediction(truthOf, k) {
      const bar = (name, n) => el("div", { class: "lx-bar" + (n === k ? " lx-bar--best" : "") + (n === truthOf.label ? " lx-bar--true" : "") },
        el("span", { class: "lx-bar__name", text: name }),
        el("span", { class: "lx-bar__track" }, el("span", { class: "lx-bar__fill", style: `width: ${percent(result.probs[n])}` })),
        el("span", { class: "lx-bar__value", text: pct(result.probs[n], 2) }));
      why.replaceChildren("prediction: ", el("strong", { text: task.classes[k] }),
        el("span", { class: "lx-why__hint", text: state.why ? " · hide why" : " · why? show the gradient" }));
      why.setAttribute("aria-pressed", String(state.why));
      bars.replaceChildren(...task.classes.map(bar));
      truth.textContent = truthOf.name
        ? `True class ${truthOf.name}: the model is ${truthOf.label === k ? "right" : "wrong"}.`
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
      const rows = PANELS.map((p) => ({ key: p.key, label: `${p.key}, Eq. (${p.eq})`, values: layer[p.key] }));
      if (state.why) rows.push({ key: "keep", label: "∏ f since t", values: keep });
      const mean = (values) => { let m = 0; for (let j = 0; j < H; j++) m += values[t * H + j]; return m / H; };
      const memory = unit === exported.display.memory_unit[state.layer] ? ` (unit ${unit} is this layer's strongest memory of the first X/Y)` : "";
      readout.replaceChildren(
        el("p", {}, `t = ${t}, symbol `, el("strong", { text: symbols[state.tokens[t]] }), `, layer ${state.layer + 1}${memory}`,
          state.why ? `; ‖∂z/∂e_t‖ = ${sci(saliency[t])}` : ""),
        el("table", { class: "lx-table" },
          el("thead", {}, el("tr", {}, el("th"), el("th", { text: `unit ${unit}` }), el("th", { text: `mean of ${H} units` }))),
          el("tbody", {}, ...rows.map((r) => el("tr", { "data-key": r.key },
            el("th", { text: r.label }), el("td", { text: fmt(r.values[t * H + unit]) }), el("td", { text: fmt(mean(r.values)) }))))));
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
      const box = stripWrap.getBoundingClientRect(), T = state.tokens.length; // every plot spans the same steps
      const t = Math.min(T - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * T)));
      const plot = event.target.closest(".lx-plot:not(.lx-plot--strip):not(.lx-plot--bars)");
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
    function onKey(e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const T = state.tokens.length, step = e.shiftKey ? Math.max(10, Math.round(T / 10)) : 1;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -1], ArrowDown: [0, 1],
                      Home: [-T, 0], End: [T, 0] }; // [Δt, Δunit]
      const move = moves[e.key];
      if (move && e.target === plots) {
        e.preventDefault();
        const unit = Math.min(H - 1, Math.max(0, state.unit + move[1]));
        pin({ t: Math.min(T - 1, Math.max(0, state.t + move[0])), unit, onPlot: move[1] !== 0 });
      } else if (e.key.length === 1 && !e.target.closest("select")) {
        const s = /[xy]/i.test(e.key) ? e.key.toUpperCase() : e.key.toLowerCase();
        if (task.distractors.includes(s) || task.informative.includes(s)) { e.preventDefault(); setSymbol(s); }
      }
    }
    symbolButtons.forEach((b) => b.addEventListener("click", () => setSymbol(b.dataset.symbol)));
    layerButtons.forEach((b, l) => b.addEventListener("click", () => setLayer(l)));
    why.addEventListener("click", () => { state.why = !state.why; render(); });
    modelButtons.forEach((b, k) => b.addEventListener("click", () => {
      if (k === models.active) return;
      modelInfo.textContent = `loading ${models.labels[k]} …`;
      models.show(k, true).catch((err) => { modelInfo.textContent = `could not load ${models.labels[k]} (${err.message})`; });
    }));
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
    return { onKey, destroy: () => { resized.disconnect(); body.remove(); } };
  }

  // The task's rules, for tests (tests/site/test_explorer.py checks them against lstm_book/tasks.py).
  window.lstmBook.temporalOrder = { windowsAt, trueClass };

  // Material's document$ emits on the first load and after every instant navigation (which swaps the
  // page's content without reloading the scripts). A widget already started carries data-started.
  document$.subscribe(() => {
    document.querySelectorAll(".lstm-explorer:not([data-started])").forEach(start);
  });
})();
