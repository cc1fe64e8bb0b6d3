// classifier.js — the playground's model, the twin of lstm_book.SequenceClassifier with one layer:
//
//   token ids → embedding → RNN, LSTM or GRU → linear head on the last h_T → softmax cross-entropy
//
// forward() runs a batch of B sequences of length T and returns the loss, the mean over the batch of
// −log p(label), as torch's F.cross_entropy; backward() then fills model.grads with ∂L/∂(every
// parameter) and leaves ∂L/∂h_t (and ∂L/∂c_t for the LSTM) of every step in the workspace.
// The matrix products are here (Eqs. 15–16); each cell's own equations are in its file.
//
// Parameters, in model.params (and their gradients in model.grads), row-major Float64Arrays laid out
// exactly as the torch state_dict entries named in TORCH_KEYS, gate blocks in PyTorch's order
// (LSTM i, f, g, o; GRU r, z, n; G = blocks · H rows):
//   embedding (V × E)   W_ih (G × E)   W_hh (G × H)   b_ih (G)   b_hh (G)   W_head (K × H)   b_head (K)
//
// The workspace, model.ws (allocated once for the largest batch seen; block t of an array is its
// B·H or B·G values of step t, t = 1 … T, row b of a block at b·H or b·G):
//   tokens  the batch's Int32Array(B·T), sequence b at [b·T, (b + 1)·T); x_t is the symbol at t − 1
//   table   (V × G) gi = W_ih x + b_ih for each of the V symbols: the input half of every step
//   gh      block t: gh_t = W_hh h_{t-1} + b_hh, the recurrent half
//   act     block t: the cell's gates (LSTM i, f, g, o; GRU r, z, n; unused by the RNN)
//   h, dh   block t: h_t and ∂L/∂h_t (block 0: h_0 = 0)
//   dgh, dgi  (B × G) δ of gh_t and of gi at the step being differentiated (the same array when
//           the cell's two halves get the same gradient)
//   D       (V × G) δgi summed over every step and sequence that read each symbol
//   logits, probs, dlogits  (B × K) of the head

import { affineRows, addOuterProducts, addRowsTimesMatrix } from "./matrix.js";
import { rnnCell } from "./rnn-cell.js";
import { lstmCell } from "./lstm-cell.js";
import { gruCell } from "./gru-cell.js";

export const CELLS = { rnn: rnnCell, lstm: lstmCell, gru: gruCell };

// Parameter names in the order of torch's model.parameters() (so also of the optimiser's state).
export const PARAM_NAMES = ["embedding", "W_ih", "W_hh", "b_ih", "b_hh", "W_head", "b_head"];

// The state_dict key of each parameter in lstm_book.SequenceClassifier (and in any module with an
// nn.Embedding `embedding`, a one-layer nn.RNN/LSTM/GRU `rnn` and an nn.Linear `head`).
export const TORCH_KEYS = {
  embedding: "embedding.weight", W_ih: "rnn.weight_ih_l0", W_hh: "rnn.weight_hh_l0",
  b_ih: "rnn.bias_ih_l0", b_hh: "rnn.bias_hh_l0", W_head: "head.weight", b_head: "head.bias",
};

// A model with zero weights (initialise them with init.js, or copy torch's in).
export function createModel({ cell, V, E, H, K }) {
  const c = CELLS[cell];
  if (!c) throw new Error(`classifier: cell must be one of ${Object.keys(CELLS).join(", ")}, got ${cell}`);
  const G = c.blocks * H;
  const shapes = { embedding: [V, E], W_ih: [G, E], W_hh: [G, H], b_ih: [G], b_hh: [G], W_head: [K, H], b_head: [K] };
  const params = {}, grads = {};
  for (const name of PARAM_NAMES) {
    const size = shapes[name].reduce((x, y) => x * y, 1);
    params[name] = new Float64Array(size);
    grads[name] = new Float64Array(size);
  }
  return { cell: c, V, E, H, K, G, shapes, params, grads, ws: null };
}

// The workspace for B sequences of length T, reused while it is large enough.
function workspace(model, B, T) {
  const { V, H, G, K, cell } = model;
  let ws = model.ws;
  if (!ws || ws.T !== T || ws.capacity < B) {
    const stepsH = (T + 1) * B * H, stepsG = (T + 1) * B * G;
    ws = { T, capacity: B, B: 0, H, G, K, tokens: null, labels: null,
           table: new Float64Array(V * G), D: new Float64Array(V * G),
           gh: new Float64Array(stepsG), act: new Float64Array(stepsG),
           h: new Float64Array(stepsH), dh: new Float64Array(stepsH),
           dgh: new Float64Array(B * G),
           logits: new Float64Array(B * K), probs: new Float64Array(B * K), dlogits: new Float64Array(B * K),
           dgi: null, c: null, tc: null, dc: null };  // dgi below; c, tc, dc: the LSTM's (lstm-cell.js)
    ws.dgi = cell.sameDeltas ? ws.dgh : new Float64Array(B * G);
    cell.allocate(ws, stepsH);
    model.ws = ws;
  }
  return ws;
}

// The forward pass over batch = {T, n, tokens, labels} (task.js's batches); returns
// {loss, correct}: the mean cross-entropy and how many sequences the argmax gets right.
export function forward(model, batch) {
  const { params: p, cell, V, E, H, G, K } = model, { T, n: B, tokens, labels } = batch;
  const ws = workspace(model, B, T);
  ws.B = B; ws.tokens = tokens; ws.labels = labels;
  ws.h.fill(0, 0, B * H);                                                     // h_0 = 0
  if (ws.c) ws.c.fill(0, 0, B * H);                                           // c_0 = 0 (LSTM)
  affineRows(ws.table, 0, p.embedding, 0, p.W_ih, p.b_ih, V, G, E);          // gi = W_ih x + b_ih per symbol
  for (let t = 1; t <= T; t++) {
    affineRows(ws.gh, t * B * G, ws.h, (t - 1) * B * H, p.W_hh, p.b_hh, B, G, H); // gh_t = W_hh h_{t-1} + b_hh
    cell.forward(ws, t);
  }
  // The head reads h_T: logits = W_head h_T + b_head; the loss is softmax cross-entropy.
  affineRows(ws.logits, 0, ws.h, T * B * H, p.W_head, p.b_head, B, K, H);
  let loss = 0, correct = 0;
  for (let b = 0; b < B; b++) {
    const z = b * K;
    let top = 0;
    for (let k = 1; k < K; k++) if (ws.logits[z + k] > ws.logits[z + top]) top = k;
    let total = 0;
    for (let k = 0; k < K; k++) total += (ws.probs[z + k] = Math.exp(ws.logits[z + k] - ws.logits[z + top]));
    for (let k = 0; k < K; k++) ws.probs[z + k] /= total;
    loss += Math.log(total) - (ws.logits[z + labels[b]] - ws.logits[z + top]);  // −log softmax(logits)[label]
    if (top === labels[b]) correct += 1;
  }
  return { loss: loss / B, correct };
}

// Backpropagation through time after forward(model, batch): fills model.grads and, in the
// workspace, ws.dh (and the LSTM's ws.dc), block t = ∂L/∂h_t (∂L/∂c_t) for t = 1 … T.
export function backward(model) {
  const { params: p, grads: d, cell, V, E, H, G, K } = model, ws = model.ws, { B, T, tokens, labels } = ws;
  for (const name of PARAM_NAMES) d[name].fill(0);
  ws.dh.fill(0);
  ws.D.fill(0);
  // The head: ∂L/∂logits = (softmax − onehot(label)) / B, then to W_head, b_head and h_T.
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) ws.dlogits[b * K + k] = (ws.probs[b * K + k] - (k === labels[b] ? 1 : 0)) / B;
  }
  addOuterProducts(d.W_head, d.b_head, ws.dlogits, 0, ws.h, T * B * H, B, K, H);
  addRowsTimesMatrix(ws.dh, T * B * H, ws.dlogits, 0, p.W_head, B, K, H);
  for (let t = T; t >= 1; t--) {
    // δh_t → δgh_t and δgi_t (for the LSTM, Eqs. 13–14)
    cell.backward(ws, t);
    // Eq. (16): ∂L/∂W_hh += δgh_t h_{t-1}ᵀ, ∂L/∂b_hh += δgh_t
    addOuterProducts(d.W_hh, d.b_hh, ws.dgh, 0, ws.h, (t - 1) * B * H, B, G, H);
    // Eq. (15): δh_{t-1} += W_hhᵀ δgh_t (h_0 is not learned, so its gradient is not needed)
    if (t > 1) addRowsTimesMatrix(ws.dh, (t - 1) * B * H, ws.dgh, 0, p.W_hh, B, G, H);
    // δgi_t, collected per symbol read: the embedding's rows are the only inputs there are
    for (let b = 0; b < B; b++) {
      const row = tokens[b * T + t - 1] * G, from = b * G;
      for (let r = 0; r < G; r++) ws.D[row + r] += ws.dgi[from + r];
    }
  }
  // Every step that read symbol v had x_t = embedding[v], so Eqs. (15)–(16) run once per symbol:
  addOuterProducts(d.W_ih, d.b_ih, ws.D, 0, p.embedding, 0, V, G, E);  // ∂L/∂W_ih = Σ_t δgi_t x_tᵀ
  addRowsTimesMatrix(d.embedding, 0, ws.D, 0, p.W_ih, V, G, E);         // ∂L/∂embedding[v] = W_ihᵀ Σ δgi_t
}

// Loss and correct predictions over a large batch, `chunk` sequences at a time (no gradients).
export function evaluate(model, batch, chunk) {
  let loss = 0, correct = 0;
  for (let start = 0; start < batch.n; start += chunk) {
    const part = slice(batch, start, Math.min(batch.n, start + chunk));
    const r = forward(model, part);
    loss += r.loss * part.n;
    correct += r.correct;
  }
  return { loss: loss / batch.n, correct };
}

// Sequences [from, to) of a batch, sharing its memory.
export function slice(batch, from, to) {
  const { T } = batch, K = batch.positions ? batch.positions.length / batch.n : 0;
  return { T, n: to - from, tokens: batch.tokens.subarray(from * T, to * T), labels: batch.labels.subarray(from, to),
           positions: batch.positions && batch.positions.subarray(from * K, to * K) };
}
