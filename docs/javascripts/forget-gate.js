// forget-gate.js — the widget of "Initialising the forget gate" (docs/part1-math/lstm-cell.md).
//
// With the weights' contribution switched off, the forget gate is its bias through a sigmoid,
//   f = σ(b_f)                                   Eq. (4) with W x_t + W h_{t-1} = 0,
// and with nothing written (i = 0) Eq. (7) multiplies a memory by f at every step, so a distance of
// d steps later it is f^d times what it was; its mean lifetime, the time scale of the text, is
//   τ = Σ_{d ≥ 0} f^d = 1 / (1 − f) = 1 + e^{b_f}  steps.
//
// Markup: <div class="forget-widget" data-bias="1" data-steps="20">…</div>. The root exposes
// data-f, data-fn and data-tau (full precision) for tests.
(function () {
  "use strict";

  const sigmoid = (z) => 1 / (1 + Math.exp(-z));
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs = {}, ...children) {
    const node = tag === "svg" || tag === "path" || tag === "line" || tag === "text"
      ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  // 0.731, 0.0019 → "1.9 × 10⁻³": three decimals when that is readable, else two significant digits.
  function number(x) {
    if (x === 0 || x >= 0.01) {
      return document.createTextNode(x >= 1000 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
    }
    const [mantissa, exponent] = x.toExponential(1).split("e");
    return el("span", {}, `${mantissa} × 10`, el("sup", { text: exponent.replace("-", "−").replace("+", "") }));
  }

  function start(root) {
    root.dataset.started = "1";
    const bias = el("input", { type: "range", min: "-3", max: "7", step: "0.1", value: root.dataset.bias || "1",
                               "aria-label": "forget bias b_f" });
    const steps = el("input", { type: "range", min: "1", max: "300", step: "1", value: root.dataset.steps || "20",
                                "aria-label": "distance d in steps" });
    const [biasOut, stepsOut, fOut, fnOut, tauOut] = Array.from({ length: 5 }, () => el("output"));
    // the plot: f^k for k = 0 … d, PyTorch's default b_f = 0 dashed for comparison, τ marked
    const W = 360, Hh = 140, L = 34, R = 8, T = 8, B = 26;
    const x = (k, n) => L + ((W - L - R) * k) / n, y = (v) => T + (Hh - T - B) * (1 - v);
    const curve = el("path", { class: "fw-curve" }), reference = el("path", { class: "fw-reference" });
    const tauLine = el("line", { class: "fw-tau", y1: String(T), y2: String(Hh - B) });
    const tauLabel = el("text", { class: "fw-label", y: String(T + 10), text: "τ" });
    const nLabel = el("text", { class: "fw-label", x: String(W - R), y: String(Hh - 6), "text-anchor": "end" });
    const svg = el("svg", { viewBox: `0 0 ${W} ${Hh}`, class: "fw-plot", role: "img",
                            "aria-label": "f to the power d against d" },
      el("path", { class: "fw-axis", d: `M${L},${T} V${Hh - B} H${W - R}` }),
      el("text", { class: "fw-label", x: String(L - 4), y: String(y(1) + 4), "text-anchor": "end", text: "1" }),
      el("text", { class: "fw-label", x: String(L - 4), y: String(y(0) + 4), "text-anchor": "end", text: "0" }),
      el("text", { class: "fw-label", x: String(L), y: String(Hh - 6), text: "d = 0" }), nLabel,
      el("text", { class: "fw-label", x: String(L - 4), y: String(y(0.5) + 4), "text-anchor": "end", text: "fᵈ" }),
      reference, curve, tauLine, tauLabel);

    function update() {
      const b = Number(bias.value), n = Number(steps.value);
      const f = sigmoid(b);                      // Eq. (4), bias only
      const fn = Math.pow(f, n);                 // Eq. (7) with i = 0, d = n times
      const tau = 1 + Math.exp(b);               // = 1 / (1 − f), without the rounding of 1 − f
      biasOut.textContent = b.toFixed(1).replace("-", "−");
      stepsOut.textContent = String(n);
      fOut.replaceChildren(number(f));
      fnOut.replaceChildren(number(fn));
      tauOut.replaceChildren(number(tau), " steps");
      const path = (g) => Array.from({ length: n + 1 },
        (_, k) => `${k ? "L" : "M"}${x(k, n).toFixed(1)},${y(Math.pow(g, k)).toFixed(1)}`).join(" ");
      curve.setAttribute("d", path(f));
      reference.setAttribute("d", path(0.5));
      const tx = x(Math.min(tau, n), n).toFixed(1);
      tauLine.setAttribute("x1", tx); tauLine.setAttribute("x2", tx);
      tauLabel.setAttribute("x", String(Number(tx) + 3));
      tauLine.style.display = tauLabel.style.display = tau <= n ? "" : "none";
      nLabel.textContent = `d = ${n}`;
      Object.assign(root.dataset, { f: String(f), fn: String(fn), tau: String(tau) });
    }

    root.replaceChildren(
      el("div", { class: "fw-controls" },
        el("label", {}, el("span", {}, "forget bias b", el("sub", { text: "f" }), " = ", biasOut), bias),
        el("label", {}, el("span", {}, "distance d = ", stepsOut, " steps"), steps)),
      el("p", { class: "fw-values" },
        el("span", {}, "f = σ(b", el("sub", { text: "f" }), ") = ", fOut),
        el("span", {}, "f", el("sup", { text: "d" }), " = ", fnOut),
        el("span", {}, "τ = 1/(1 − f) = 1 + e", el("sup", {}, "b", el("sub", { text: "f" })), " = ", tauOut)),
      svg,
      el("p", { class: "fw-caption" }, "Solid: fᵈ for this bias; dashed: b", el("sub", { text: "f" }),
        " = 0 (PyTorch's default, f = 0.5); the line τ (the mean lifetime) is drawn when τ ≤ d."));
    bias.addEventListener("input", update);
    steps.addEventListener("input", update);
    update();
  }

  // Material's document$ emits on the first load and after every instant navigation.
  document$.subscribe(() => document.querySelectorAll(".forget-widget:not([data-started])").forEach(start));
})();
