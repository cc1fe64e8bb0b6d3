// lstm.js — the book's fourth twin: the forward pass of lstm_book.SequenceClassifier (and of the
// character model lstm_book.lm.CharLM, whose head is read at the last step only) in plain
// JavaScript (after the readable cell in lstm_book/cell.py, the hand-written BPTT in
// lstm_book/bptt.py, and torch.nn.LSTM). tests/site/test_explorer.py and tests/site/test_charlm_typer.py
// check it against PyTorch.
//
//   token → embedding → LSTM layer 1 → … → LSTM layer L → linear head on the last h → softmax
//
// Each LSTM step is Eqs. (4)–(9) of the book (docs/part1-math/lstm-cell.md), one line each below.
//
// The weights come from lstm_book/book/web_export.py (docs/figures/explorer/*.json): little-endian float32,
// C order, PyTorch's gate order i, f, g, o in the row blocks of W_ih (4H × in), W_hh (4H × H) and
// b = b_ih + b_hh (4H). Arithmetic is in JavaScript numbers (float64); the weights are exactly the
// float32 values PyTorch holds, so the two differ only by float32 rounding on PyTorch's side.
//
// Usage:  const model = lstmBook.loadModel(json);  const out = lstmBook.forward(model, tokenIds);
//   or:   lstmBook.fetchModel(url).then(({ exported, model }) => …)
//   out.logits, out.probs: Float64Array(K)
//   out.layers[l].i, .f, .g, .o, .c, .h: Float64Array(T·H), the value of unit j at step t at [t·H + j]
//   lstmBook.saliency(model, out, k): Float64Array(T), ‖∂z_k/∂e_t‖; lstmBook.forgetProducts(f, T, H):
//   Float64Array(T·H), ∏_{t'>t} f_{t'}; lstmBook.sci(x, digits): 0.00123 → "1.23 × 10⁻³"
//   lstmBook.inputGradient(model, out, k): Float64Array(T·E), ∂z_k/∂e_t at [t·E + m], the gradient of
//   logit k with respect to each step's embedding e_t (backpropagation through time, Eqs. 13–15);
//   tests/site/test_explorer.py checks it against PyTorch's autograd.
(function () {
  "use strict";

  // One {shape, data: base64} entry → Float32Array in C order.
  function decodeTensor(entry) {
    const bytes = Uint8Array.from(atob(entry.data), (ch) => ch.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    const out = new Float32Array(bytes.length / 4);
    for (let k = 0; k < out.length; k++) out[k] = view.getFloat32(4 * k, true); // little-endian
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (size !== out.length) throw new Error(`tensor of shape ${entry.shape} holds ${out.length} values`);
    return out;
  }

  // out[r] = bias[r] + Σ_k W[r, k] · x[x0 + k] (plus the old out[r] if accumulate) for a (rows × cols)
  // row-major W, rows a multiple of 4. Four rows at a time: each x[k] is read once for four products,
  // and the four sums do not wait for each other, which makes the forward pass about 3x faster.
  function matVec(W, rows, cols, x, x0, bias, out, accumulate = false) {
    for (let r = 0; r < rows; r += 4) {
      const w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < cols; k++) {
        const xk = x[x0 + k];
        s0 += W[w0 + k] * xk; s1 += W[w1 + k] * xk; s2 += W[w2 + k] * xk; s3 += W[w3 + k] * xk;
      }
      if (bias) { s0 += bias[r]; s1 += bias[r + 1]; s2 += bias[r + 2]; s3 += bias[r + 3]; }
      if (accumulate) { s0 += out[r]; s1 += out[r + 1]; s2 += out[r + 2]; s3 += out[r + 3]; }
      out[r] = s0; out[r + 1] = s1; out[r + 2] = s2; out[r + 3] = s3;
    }
  }

  const sigmoid = (z) => 1 / (1 + Math.exp(-z));

  // The exported dict → the arrays the forward pass reads.
  function loadModel(exported) {
    const m = exported.model, w = exported.weights;
    if (m.gate_order !== "ifgo") throw new Error(`unexpected gate order ${m.gate_order}`);
    const V = m.vocab_size, E = m.embed_dim, H = m.hidden_size, G = 4 * H;
    const layers = w.layers.map((l) => ({ W_ih: decodeTensor(l.W_ih), W_hh: decodeTensor(l.W_hh), b: decodeTensor(l.b) }));
    const embedding = decodeTensor(w.embedding);
    // Layer 1 only ever sees V different inputs (one embedding per symbol), so its input half of the
    // pre-activation, W_ih x + b, is computed once per symbol: inputTable[v·4H + r].
    const inputTable = new Float64Array(V * G);
    for (let v = 0; v < V; v++) {
      matVec(layers[0].W_ih, G, E, embedding, v * E, layers[0].b, inputTable.subarray(v * G, (v + 1) * G));
    }
    return { V, E, H, L: m.num_layers, K: m.num_classes, embedding, layers, inputTable,
             head: { W: decodeTensor(w.head.W), b: decodeTensor(w.head.b) } };
  }

  // The forward pass over integer token ids (an array or typed array of length T ≥ 1).
  function forward(model, tokens) {
    const T = tokens.length, H = model.H, G = 4 * H;
    const a = new Float64Array(G); // pre-activations of one step, blocks [a_i | a_f | a_g | a_o]
    const layers = [];
    let below = null; // h of the layer below, Float64Array(T·H)
    for (let l = 0; l < model.L; l++) {
      const { W_ih, W_hh, b } = model.layers[l];
      const s = { i: new Float64Array(T * H), f: new Float64Array(T * H), g: new Float64Array(T * H),
                  o: new Float64Array(T * H), c: new Float64Array(T * H), h: new Float64Array(T * H) };
      for (let t = 0; t < T; t++) {
        // a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh, with h_0 = c_0 = 0
        if (l === 0) a.set(model.inputTable.subarray(tokens[t] * G, (tokens[t] + 1) * G));
        else matVec(W_ih, G, H, below, t * H, b, a);
        if (t > 0) matVec(W_hh, G, H, s.h, (t - 1) * H, null, a, true);
        for (let j = 0; j < H; j++) {
          const n = t * H + j;
          const i = sigmoid(a[j]);                       // Eq. (5): input gate
          const f = sigmoid(a[H + j]);                   // Eq. (4): forget gate
          const g = Math.tanh(a[2 * H + j]);             // Eq. (6): candidate
          const o = sigmoid(a[3 * H + j]);               // Eq. (8): output gate
          const cPrev = t > 0 ? s.c[n - H] : 0;
          const c = f * cPrev + i * g;                   // Eq. (7): the additive update
          s.i[n] = i; s.f[n] = f; s.g[n] = g; s.o[n] = o; s.c[n] = c;
          s.h[n] = o * Math.tanh(c);                     // Eq. (9): hidden state
        }
      }
      layers.push(s);
      below = s.h;
    }
    // The head reads the top layer's last hidden state h_T; softmax turns logits into probabilities.
    const logits = new Float64Array(model.K), last = (T - 1) * H;
    for (let k = 0; k < model.K; k++) {
      let z = model.head.b[k];
      for (let j = 0; j < H; j++) z += model.head.W[k * H + j] * below[last + j];
      logits[k] = z;
    }
    const top = Math.max(...logits);
    const e = logits.map((z) => Math.exp(z - top));
    const total = e.reduce((x, y) => x + y, 0);
    return { T, H, logits, probs: e.map((x) => x / total), layers };
  }

  // out[o0 + k] = Σ_r d[r] · W[r, k] for a (rows × cols) row-major W, rows a multiple of 4: the
  // transposed product Wᵀ d, four rows of W at a time (as in matVec).
  function matTVec(W, rows, cols, d, out, o0) {
    out.fill(0, o0, o0 + cols);
    for (let r = 0; r < rows; r += 4) {
      const d0 = d[r], d1 = d[r + 1], d2 = d[r + 2], d3 = d[r + 3];
      const w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
      for (let k = 0; k < cols; k++) out[o0 + k] += d0 * W[w0 + k] + d1 * W[w1 + k] + d2 * W[w2 + k] + d3 * W[w3 + k];
    }
  }

  // ∂z_k/∂e_t for every step t: the gradient of logit k (the head reads h_T of the top layer) with
  // respect to the embeddings that entered layer 1, given the forward pass `out` of the same tokens.
  // Backpropagation through time, layer by layer from the top: what reaches a layer's h_t from above
  // (the head, or the layer above's Wᵀ δa) joins what comes back through W_hh, as in
  // lstm_book/bptt_reference.py, with h_0 = c_0 = 0.
  function inputGradient(model, out, k) {
    const { T, H } = out, G = 4 * H;
    let fromAbove = new Float64Array(T * H); // ∂z_k/∂h_t from outside the layer's recurrence
    for (let j = 0; j < H; j++) fromAbove[(T - 1) * H + j] = model.head.W[k * H + j]; // z_k = W_k h_T + b_k
    for (let l = model.L - 1; l >= 0; l--) {
      const s = out.layers[l], { W_ih, W_hh } = model.layers[l], inSize = l === 0 ? model.E : H;
      const dx = new Float64Array(T * inSize);
      const da = new Float64Array(G);        // δa_t, blocks [δa_i | δa_f | δa_g | δa_o]
      const back = new Float64Array(H);      // W_hhᵀ δa_{t+1}, the recurrent part of δh_t (0 at t = T)
      const carry = new Float64Array(H);     // δc_{t+1} ⊙ f_{t+1} (0 at t = T)
      for (let t = T - 1; t >= 0; t--) {
        for (let j = 0; j < H; j++) {
          const n = t * H + j, i = s.i[n], f = s.f[n], g = s.g[n], o = s.o[n], tanh_c = Math.tanh(s.c[n]);
          const c_prev = t > 0 ? s.c[n - H] : 0;
          const dh = fromAbove[n] + back[j];                 // Eq. (15): δh_t
          const dc = dh * o * (1 - tanh_c * tanh_c) + carry[j]; // Eq. (13): δc_t
          da[j] = dc * g * i * (1 - i);                      // Eq. (14): δa_i
          da[H + j] = dc * c_prev * f * (1 - f);             //           δa_f
          da[2 * H + j] = dc * i * (1 - g * g);              //           δa_g
          da[3 * H + j] = dh * tanh_c * o * (1 - o);         //           δa_o
          carry[j] = dc * f;                                 // Eq. (13)'s second term at t − 1
        }
        matTVec(W_ih, G, inSize, da, dx, t * inSize);       // Eq. (15): δx_t = W_ihᵀ δa_t
        matTVec(W_hh, G, H, da, back, 0);                   // Eq. (15): W_hhᵀ δa_t, part of δh_{t−1}
      }
      fromAbove = dx; // the layer below's h_t is this layer's x_t
    }
    return fromAbove; // layer 1's x_t is the embedding e_t
  }

  // ‖∂z_k/∂e_t‖ for every step t: the size of the gradient of logit k with respect to the embedding of
  // the symbol read at step t (the saliency views of explorer.js and charlm.js).
  function saliency(model, out, k) { // through window.lstmBook, so a reader (or a test) can watch the calls
    const grad = window.lstmBook.inputGradient(model, out, k), E = model.E;
    return Float64Array.from({ length: out.T }, (_, t) => Math.hypot(...grad.subarray(t * E, (t + 1) * E)));
  }

  // keep[t·H + j] = ∏_{t'=t+1}^{T−1} f_{t'}[j]: the factor by which unit j's c_t reaches the last step
  // through Eq. (7) alone, f_{t'} ⊙ c_{t'−1} again and again (1 at the last step).
  function forgetProducts(f, T, H) {
    const keep = new Float64Array(T * H);
    keep.fill(1, (T - 1) * H);
    for (let t = T - 2; t >= 0; t--) {
      for (let j = 0; j < H; j++) keep[t * H + j] = keep[(t + 1) * H + j] * f[(t + 1) * H + j];
    }
    return keep;
  }

  const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  function sci(x, digits = 2) { // 0.00123 → "1.23 × 10⁻³"
    if (!(x > 0)) return String(x);
    let e = Math.floor(Math.log10(x)), m = (x / 10 ** e).toFixed(digits);
    if (Number(m) >= 10) { e += 1; m = (x / 10 ** e).toFixed(digits); }
    return `${m} × 10${[...String(e)].map((c) => SUPERSCRIPT[c]).join("")}`;
  }

  // The exported JSON at url and its model, fetched once per page view of the site (a Promise of
  // {exported, model}); a failed fetch is forgotten, so the next visit tries again.
  const fetched = new Map();
  function fetchModel(url) {
    if (!fetched.has(url)) {
      fetched.set(url, fetch(url).then((r) => {
        if (!r.ok) throw new Error(`${r.status} ${url}`);
        return r.json();
      }).then((exported) => ({ exported, model: loadModel(exported) })));
      fetched.get(url).catch(() => fetched.delete(url));
    }
    return fetched.get(url);
  }

  // For the widgets around the model (explorer.js, charlm.js): el("p", {class: "x", text: "…"}, child, …).
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  window.lstmBook = { decodeTensor, loadModel, forward, inputGradient, saliency, forgetProducts, sci, fetchModel, el };
})();
