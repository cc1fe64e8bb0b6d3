// page.js — the LSTM Playground (docs/part3-experiments/playground.md): controls, the worker, the plots.
//
// Up to three models train side by side on the same stream of temporal-order sequences in a Web Worker
// (worker.js; the engine is trainer.js and the files it imports). This file only turns controls into
// the worker's messages and its reports into plots (plots.js) and a table; nothing here computes a
// gradient. Every report is drawn on the next animation frame, so the page never waits for training.
//
// Markup (see playground.md): <div class="lstm-playground"> with the links
//   <a class="lstm-playground__task" href="…/task.json">   the task's constants (task.js)
//   <a class="lstm-playground__demo" href="…/demo.json">   the default configuration (trainer.js's format)
// Both are written by lstm_book/book/experiments/playground/; the browser resolves each href against the
// page, so the widget works under `mkdocs serve`, on the built site and from a sub-path.
//
// For tests and the console, window.lstmPlayground (the playground on the current page):
//   start(), pause()     train until paused (or config.maxUpdates), stop after the current group of updates
//   step(n = 1)          n updates, then a report
//   reset(config = {})   new models from `config` merged onto the current configuration (trainer.js's
//                        fields; the controls follow); a Promise of stats() after the first report
//   stats()              per model {cell, forget, updates, sequences, accuracy, loss, keepAt}: the last report
//   config()             the configuration the models were made with

import { drawPlot } from "./plots.js";
import { loadTask, windowsAt } from "./task.js";

const CELL_NAMES = { lstm: "LSTM", gru: "GRU", rnn: "RNN" };
const FORGETS = [["chrono", "chrono"], ["1", "b_f = 1"], ["0", "b_f = 0"]];  // the LSTM's forget-gate inits (init.js)
const HIDDEN = [2, 4, 8, 16, 32, 64], RATES = [0.001, 0.003, 0.01, 0.03, 0.1], BATCHES = [8, 16, 32, 64];
const LENGTH = [20, 300];    // T: task.js needs 20 at least; beyond 300 an update takes seconds
const DASHES = [[], [7, 4], [2, 3]];  // model 1, 2, 3: colour says what a model is, the dash which one it is
const el = (...args) => window.lstmBook.el(...args);

// The book's palette (docs/stylesheets/palette.css, from lstm_book/book/palette.py): one meaning per colour.
function colourName({ cell, forget }) {
  if (cell === "rnn") return "vermillion";
  if (cell === "gru") return "orange";  // the update gate at torch's default
  return { chrono: "blue", 1: "sky", 0: "orange" }[String(forget)] || "purple";
}
function paletteColour(name) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(`--book-${name}`).trim();
  if (!value) throw new Error(`the palette has no colour --book-${name}: is palette.css loaded?`);
  return value;
}
export function label({ cell, forget }) {
  return cell === "lstm" ? `LSTM, ${forget === "chrono" ? "chrono" : `b_f = ${forget}`}` : CELL_NAMES[cell];
}

// A control with its visible label.
function field(text, control, hint) {
  return el("label", { class: "pg-field" }, el("span", { class: "pg-field__name", text }), control,
    ...(hint ? [el("span", { class: "pg-field__hint", text: hint })] : []));
}
// Set a select to `value`, adding it as an option if the menu lacks it (a configuration from reset(config)).
function choose(node, value, text = String(value)) {
  if (![...node.options].some((o) => o.value === String(value))) node.append(el("option", { value: String(value), text }));
  node.value = String(value);
}
const select = (options, value) => {
  const node = el("select", {}, ...options.map(([v, text]) => el("option", { value: String(v), text })));
  choose(node, value);
  return node;
};
const number = (min, max) => el("input", { type: "number", inputmode: "numeric", min: String(min), max: String(max), step: "1" });

function start(root) {
  root.dataset.started = "1";
  const status = root.querySelector(".lstm-playground__status") || el("p");
  status.classList.add("pg-status");
  status.setAttribute("role", "status");
  const error = el("p", { class: "pg-error", role: "alert", hidden: "" });
  root.prepend(error, status);
  const fail = (message) => {
    error.textContent = `The playground stopped: ${message}`;
    error.hidden = false;
  };
  const fetchLink = (name) => {
    const a = root.querySelector(`a.lstm-playground__${name}`);
    if (!a) return Promise.reject(new Error(`the page has no link to ${name}.json`));
    return fetch(a.href).then((r) => { if (!r.ok) throw new Error(`${a.href}: HTTP ${r.status}`); return r.json(); });
  };
  Promise.all([fetchLink("task"), fetchLink("demo")])
    .then(([task, demo]) => build(root, { status, error, fail }, task, demo))
    .catch((e) => fail(`it could not start (${e.message}).`));
}

function build(root, { status, error, fail }, taskJson, demo) {
  const task = loadTask(taskJson);
  // reports: what the plots draw over training; last: the newest report; pending: resets the worker has
  // not answered yet (reports from before them are stale); waiting: reset() promises to settle
  // wanted: "start" pressed before the new models' first report (it starts them when it comes)
  let config = { ...demo }, reports = [], last = null, running = false, wanted = false, frame = 0, pending = 0, waiting = [];
  const reached = [];  // per model, the updates after which it first reached 95% (status line)
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });

  // --- the controls ---
  const slots = [0, 1, 2].map((k) => {
    const cell = select([...(k ? [["none", "none"]] : []), ["lstm", "LSTM"], ["gru", "GRU"], ["rnn", "RNN"]], "lstm");
    const forget = select(FORGETS, "chrono");
    const swatch = el("span", { class: "pg-swatch", "aria-hidden": "true" });
    return { cell, forget, swatch, node: el("div", { class: "pg-model" }, swatch,
      field(`model ${k + 1}`, cell), field("forget gate at the start", forget)) };
  });
  const T = number(...LENGTH), tMax = number(3, 100000), seed = number(0, 2 ** 31 - 1);
  tMax.placeholder = "= T";
  const hidden = select(HIDDEN.map((h) => [h, String(h)]), 16);
  const lr = select(RATES.map((r) => [r, String(r)]), 0.01);
  const batch = select(BATCHES.map((b) => [b, String(b)]), 32);
  const play = el("button", { type: "button", class: "pg-play", text: "start" });
  const stepButton = el("button", { type: "button", text: "one step" });
  const resetButton = el("button", { type: "button", text: "reset" });
  const controls = el("div", { class: "pg-controls" },
    el("fieldset", { class: "pg-models" }, el("legend", { text: "Models, trained side by side on the same sequences" }),
      ...slots.map((s) => s.node)),
    el("fieldset", { class: "pg-settings" }, el("legend", { text: "Task and training" }),
      field("sequence length T", T, `${LENGTH[0]}–${LENGTH[1]}`), field("chrono's T_max", tMax, "blank: T"),
      field("hidden units H", hidden), field("learning rate (Adam)", lr), field("batch size", batch),
      field("seed", seed)),
    el("div", { class: "pg-buttons", role: "group", "aria-label": "training" }, play, stepButton, resetButton));

  // --- the readout and the plots ---
  const readout = el("tbody");
  const table = el("div", { class: "pg-table", role: "region", tabindex: "0", "aria-label": "the models after the last report (scrolls sideways on a narrow screen)" }, el("table", { class: "pg-readout" },
    el("caption", { text: "The models after the last report" }),
    el("thead", {}, el("tr", {}, ...["model", "updates", "held-out accuracy", "loss", "keep gate"]
      .map((text) => el("th", { scope: "col", text })))), readout));
  const note = el("p", { class: "pg-note", text: `Held-out: ${demo.heldOut} fixed sequences. Keep gate: its mean over ` +
    "the probe batch and the units at the steps reading X/Y 1 and 2." });
  const panels = {};
  const panel = (key, title, description) => {  // title: text, with _x for a subscript
    const canvas = el("canvas", { class: "pg-canvas", role: "img", "aria-label": description });
    panels[key] = canvas;
    const parts = title.split(/_(\w)/).map((part, k) => (k % 2 ? el("sub", { text: part }) : part));
    return el("figure", { class: "pg-panel" }, el("figcaption", {}, ...parts), canvas);
  };
  const plots = el("div", { class: "pg-plots" },
    panel("accuracy", "Held-out accuracy", "held-out accuracy against sequences seen, one line per model"),
    panel("loss", "Held-out loss (cross-entropy)", "held-out loss against sequences seen, one line per model"),
    panel("gradH", "‖∂L/∂h_t‖ on a probe batch, log scale", "norm of the gradient of the loss with respect to each hidden state, against the distance from the end"),
    panel("gradC", "‖∂L/∂c_t‖ (LSTMs), log scale", "norm of the gradient with respect to each cell state of the LSTMs, against the distance from the end"),
    panel("keep", "Keep gate at the X/Y steps: f_t (LSTM), z_t (GRU)", "mean forget or update gate at the informative steps against sequences seen"));
  status.after(controls, table, note, plots);

  // --- configuration <-> controls ---
  function show(c) {
    slots.forEach((s, k) => {
      const m = c.models[k];
      s.cell.value = m ? m.cell : "none";
      if (m && m.cell === "lstm") choose(s.forget, m.forget, label(m).slice("LSTM, ".length)); else s.forget.value = "chrono";
      s.forget.disabled = !m || m.cell !== "lstm";
    });
    T.value = c.T; tMax.value = c.tMax ?? ""; seed.value = c.seed;
    choose(hidden, c.hidden); choose(lr, c.lr); choose(batch, c.batch);
  }
  function integer(input, name, min, max, blank = false) {
    input.removeAttribute("aria-invalid");
    if (blank && input.value.trim() === "") return null;
    const v = Number(input.value);
    if (!Number.isInteger(v) || v < min || v > max) {
      input.setAttribute("aria-invalid", "true");
      throw new Error(`${name} must be a whole number from ${min} to ${max}${blank ? ", or blank" : ""}.`);
    }
    return v;
  }
  function read() {
    const models = slots.filter((s) => s.cell.value !== "none").map((s) => s.cell.value === "lstm"
      ? { cell: "lstm", forget: s.forget.value === "chrono" ? "chrono" : Number(s.forget.value) }
      : { cell: s.cell.value, forget: "torch" });
    return { ...config, models, T: integer(T, "T", ...LENGTH), tMax: integer(tMax, "T_max", 3, 100000, true),
             seed: integer(seed, "The seed", 0, 2 ** 31 - 1), hidden: Number(hidden.value), lr: Number(lr.value),
             batch: Number(batch.value) };
  }

  // --- the worker ---
  function reset(next) {
    const models = next.models;
    if (!Array.isArray(models) || models.length < 1 || models.length > 3
        || !models.every((m) => CELL_NAMES[m.cell] && (m.cell === "lstm" || (m.forget ?? "torch") === "torch"))) {
      throw new Error("config.models must hold one to three of {cell: lstm|gru|rnn}; only an LSTM takes a forget init.");
    }
    config = { ...next, models: models.map((m) => ({ cell: m.cell, forget: m.forget ?? "torch" })) };
    reports = []; last = null; running = false; wanted = false; reached.length = 0; pending += 1;
    delete status.dataset.paused;
    error.hidden = true;
    show(config);
    worker.postMessage({ type: "reset", task: taskJson, config });
    play.textContent = "start";
    status.textContent = `New models: ${config.models.map(label).join("; ")}; T = ${config.T}. Press start.`;
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  }
  const guarded = (f) => (...args) => { try { return f(...args); } catch (e) { fail(e.message); return undefined; } };
  const api = {
    start() {
      if (running) return;
      if (!last) { wanted = true; play.textContent = "pause"; status.textContent = "Starting…"; return; }
      running = true; wanted = false;
      worker.postMessage({ type: "start" });
      play.textContent = "pause";
      status.textContent = "Training…";
      delete status.dataset.paused;
    },
    pause() {
      running = false; wanted = false;
      worker.postMessage({ type: "pause" });
      play.textContent = "start";
      status.textContent = `Paused after ${last ? last.updates : 0} updates.`;
      status.dataset.paused = "1";  // a group of updates under way still reports: its count replaces this one
    },
    step(n = 1) { running = false; wanted = false; play.textContent = "start"; worker.postMessage({ type: "step", updates: n }); },
    reset(partial = {}) {
      try { return reset({ ...config, ...partial }); } catch (e) { fail(e.message); return Promise.reject(e); }
    },
    stats() {
      return last ? last.models.map(({ cell, forget, updates, sequences, accuracy, loss, keepAt }) =>
        ({ cell, forget, updates, sequences, accuracy, loss, keepAt })) : [];
    },
    config() { return JSON.parse(JSON.stringify(config)); },
  };
  worker.onmessage = ({ data }) => {
    if (data.type === "error") {
      running = false; pending = 0; play.textContent = "start";
      fail(data.message);
      waiting.splice(0).forEach(({ reject }) => reject(new Error(data.message)));
      return;
    }
    if (pending > 0) {                        // a report from models that a reset has replaced
      if (data.updates === 0) pending -= 1;
      if (pending > 0 || data.updates !== 0) return;
    }
    last = data;
    reports.push({ sequences: data.updates * config.batch,
                   models: data.models.map((m) => ({ accuracy: m.accuracy, loss: m.loss, keepAt: m.keepAt })) });
    data.models.forEach((m, k) => {
      if (reached[k] === undefined && m.accuracy >= 0.95) {
        reached[k] = data.updates;
        status.textContent = `Model ${k + 1} (${label(m)}) reached 95% held-out accuracy after ${data.updates} updates.`;
      }
    });
    if (!running && status.dataset.paused) status.textContent = `Paused after ${data.updates} updates.`;
    if (running && !data.running) {
      running = false; play.textContent = "start";
      status.textContent = `Stopped at ${data.updates} updates, the limit.`;
    }
    root.dataset.updates = String(data.updates);
    waiting.splice(0).forEach(({ resolve }) => resolve(api.stats()));
    if (wanted) api.start();
    redraw();
  };
  worker.onerror = (e) => { e.preventDefault(); fail(`the worker failed (${e.message || "it could not start"}).`); };

  // --- drawing: at most once per animation frame ---
  function redraw() { if (!frame) frame = requestAnimationFrame(() => { frame = 0; guarded(draw)(); }); }
  function draw() {
    if (!last || !root.isConnected) return;
    const colours = config.models.map((m) => paletteColour(colourName(m))), grey = paletteColour("grey");
    const style = (k) => ({ colour: colours[k], dash: DASHES[k] });
    slots.forEach((s, k) => s.swatch.replaceChildren(...(config.models[k] && s.cell.value !== "none" ? [swatch(colours[k], DASHES[k])] : [])));
    const xs = { min: 0, max: Math.max(reports[reports.length - 1].sequences, 10 * config.batch), label: "sequences seen" };
    const over = (f) => config.models.map((_, k) => ({ ...style(k), points: reports.map((r) => [r.sequences, f(r.models[k])]).filter(([, y]) => y !== null) }));
    drawPlot(panels.accuracy, { x: xs, y: { min: 0, max: 1, label: "accuracy" }, series: over((m) => m.accuracy),
      lines: [{ y: task.chance, colour: grey, dash: [2, 3], label: "chance" }, { y: 0.95, colour: grey, dash: [6, 3], label: "95%" }] });
    const losses = reports.flatMap((r) => r.models.map((m) => m.loss));
    drawPlot(panels.loss, { x: xs, y: { min: 0, max: Math.max(...losses, 1.5), label: "loss" }, series: over((m) => m.loss),
      lines: [{ y: Math.log(task.numClasses), colour: grey, dash: [2, 3], label: "guessing: ln 4" }] });
    drawPlot(panels.keep, { x: xs, y: { min: 0, max: 1, label: "gate" },
      series: over((m) => (m.keepAt ? (m.keepAt[0] + m.keepAt[1]) / 2 : null)) });
    const Tn = config.T, bands = windowsAt(task, Tn).map(([lo, hi], k) => ({ from: Tn - 1 - hi, to: Tn - 1 - lo, label: `X/Y ${k + 1}` }));
    for (const key of ["gradH", "gradC"]) {
      const series = last.models.map((m, k) => ({ ...style(k), points: m[key] ? Array.from(m[key], (g, t) => [Tn - 1 - t, g]).reverse() : [] }));
      const values = series.flatMap((s) => s.points.map(([, g]) => g)).filter((g) => g > 0);
      const top = values.length ? Math.max(...values) : 1;
      const bottom = Math.max(values.length ? Math.min(...values) : top / 10, top * 1e-30);  // below: drawn at the edge
      drawPlot(panels[key], { x: { min: 0, max: Tn - 1, label: "distance from the end, T − t" },
        y: { min: bottom / 2, max: top * 2, log: true, label: "norm" }, series, bands });
    }
    readout.replaceChildren(...last.models.map((m, k) => el("tr", {},
      el("th", { scope: "row" }, swatch(colours[k], DASHES[k]), ` ${k + 1} · ${label(m)}`),
      el("td", { text: m.updates.toLocaleString("en") }),
      el("td", { text: `${(100 * m.accuracy).toFixed(1)}%` }), el("td", { text: m.loss.toFixed(3) }),
      el("td", { text: m.keepAt ? `${m.keepGate} = ${m.keepAt.map((v) => v.toFixed(2)).join(", ")}` : "— (no gate)" }))));
  }
  function swatch(colour, dash) {  // a short line in the model's colour and dash, as in the plots
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 28 8"); svg.setAttribute("class", "pg-line"); svg.setAttribute("aria-hidden", "true");
    const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
    for (const [k, v] of Object.entries({ x1: 1, y1: 4, x2: 27, y2: 4, stroke: colour, "stroke-width": 2.5, "stroke-dasharray": dash.join(" ") })) line.setAttribute(k, v);
    svg.append(line);
    return svg;
  }
  new ResizeObserver(redraw).observe(plots);
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  // --- events ---
  const apply = guarded(() => reset(read()));
  for (const s of slots) {
    s.cell.addEventListener("change", () => { s.forget.disabled = s.cell.value !== "lstm"; apply(); });
    s.forget.addEventListener("change", apply);
  }
  for (const input of [T, tMax, seed, hidden, lr, batch]) input.addEventListener("change", apply);
  play.addEventListener("click", guarded(() => (running || wanted ? api.pause() : api.start())));
  stepButton.addEventListener("click", guarded(() => api.step(1)));
  resetButton.addEventListener("click", apply);

  const exposed = Object.fromEntries(Object.entries(api).map(([k, f]) => [k, k === "reset" ? f : guarded(f)]));
  window.lstmPlayground = exposed;
  instances.push({ root, destroy() { worker.terminate(); if (window.lstmPlayground === exposed) delete window.lstmPlayground; } });
  reset(config).then(() => { root.dataset.ready = "1"; status.textContent = "Ready: press start."; }, () => {});
}

// Material's document$ emits on the first load and after every instant navigation: start the playground
// on the new page, and stop the workers of playgrounds that navigation removed.
const instances = [];
document$.subscribe(() => {
  for (let k = instances.length - 1; k >= 0; k--) {
    if (!instances[k].root.isConnected) { instances[k].destroy(); instances.splice(k, 1); }
  }
  document.querySelectorAll(".lstm-playground:not([data-started])").forEach((root) => {
    try { start(root); } catch (e) { root.prepend(document.createTextNode(`The playground could not start: ${e.message}`)); }
  });
});
