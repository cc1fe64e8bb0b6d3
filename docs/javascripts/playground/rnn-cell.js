// rnn-cell.js — one step of the vanilla RNN, forward and backward, for a whole batch.
//
//   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)                       Eq. (1)
//
// The matrix products are classifier.js's: it hands this file, in the workspace ws (described
// there), gi = W_ih x_t + b_ih (one row per symbol, ws.table) and gh_t = W_hh h_{t-1} + b_hh
// (ws.gh, block t). Backward, the cell turns δh_t = ∂L/∂h_t into δa_t, the gradient of the
// pre-activation a_t = gi + gh_t, which classifier.js sends on to h_{t-1} and the weights.

export const rnnCell = {
  name: "rnn",
  blocks: 1,          // W_ih is (H × E): one block of H rows
  keepGate: null,     // no gate keeps the old state
  sameDeltas: true,   // δgi_t = δgh_t = δa_t

  allocate() {},

  forward(ws, t) {
    const { B, T, H, tokens, table, gh, h } = ws;
    for (let b = 0; b < B; b++) {
      const x = tokens[b * T + t - 1] * H, a = (t * B + b) * H;
      for (let j = 0; j < H; j++) h[a + j] = Math.tanh(table[x + j] + gh[a + j]);   // Eq. (1)
    }
  },

  backward(ws, t) {
    const { B, H, h, dh, dgh } = ws, n = t * B * H;
    // δa_t = δh_t ⊙ (1 − h_t²): the diag(1 − h_t²) of Eq. (2)
    for (let k = 0; k < B * H; k++) dgh[k] = dh[n + k] * (1 - h[n + k] * h[n + k]);
  },
};
