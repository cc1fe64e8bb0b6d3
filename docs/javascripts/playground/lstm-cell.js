// lstm-cell.js — one step of the LSTM, forward (Eqs. 4–9) and backward (Eqs. 13–14), for a whole batch.
//
// The pre-activation a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh has four blocks of H rows in
// PyTorch's order [a_i; a_f; a_g; a_o]. classifier.js computes its two halves (ws.table: the input
// half of each symbol; ws.gh, block t: the recurrent half) and, backward, sends δa_t on to h_{t-1}
// and the weights (Eqs. 15–16). This file holds what is particular to the LSTM: the gates, the cell
// state c_t, and their derivatives. The workspace ws is described in classifier.js; this cell adds
//   ws.c, ws.tc, ws.dc: Float64Array((T + 1)·B·H), block t = c_t, tanh(c_t), ∂L/∂c_t (c_0 = 0).

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

export const lstmCell = {
  name: "lstm",
  blocks: 4,                            // i, f, g, o
  keepGate: { name: "f", block: 1 },    // the forget gate keeps a fraction f_t of c_{t-1}
  sameDeltas: true,                     // δgi_t = δgh_t = δa_t

  allocate(ws, size) {
    ws.c = new Float64Array(size);
    ws.tc = new Float64Array(size);
    ws.dc = new Float64Array(size);
  },

  forward(ws, t) {
    const { B, T, H, G, tokens, table, gh, act, h, c, tc } = ws;
    for (let b = 0; b < B; b++) {
      const x = tokens[b * T + t - 1] * G, a = (t * B + b) * G, s = (t * B + b) * H, sPrev = s - B * H;
      for (let j = 0; j < H; j++) {
        const i_t = sigmoid(table[x + j] + gh[a + j]);                  // Eq. (5): input gate
        const f_t = sigmoid(table[x + H + j] + gh[a + H + j]);          // Eq. (4): forget gate
        const g_t = Math.tanh(table[x + 2 * H + j] + gh[a + 2 * H + j]); // Eq. (6): candidate c̃_t
        const o_t = sigmoid(table[x + 3 * H + j] + gh[a + 3 * H + j]);  // Eq. (8): output gate
        const c_t = f_t * c[sPrev + j] + i_t * g_t;                     // Eq. (7): the additive update
        const tanh_c = Math.tanh(c_t);
        act[a + j] = i_t; act[a + H + j] = f_t; act[a + 2 * H + j] = g_t; act[a + 3 * H + j] = o_t;
        c[s + j] = c_t; tc[s + j] = tanh_c;
        h[s + j] = o_t * tanh_c;                                        // Eq. (9): hidden state
      }
    }
  },

  // δh_t (ws.dh, block t) is complete; δc_{t+1} and f_{t+1} are known from the step after.
  backward(ws, t) {
    const { B, T, H, G, act, c, tc, dh, dc, dgh } = ws;
    for (let b = 0; b < B; b++) {
      const a = (t * B + b) * G, s = (t * B + b) * H, sPrev = s - B * H, d = b * G;
      for (let j = 0; j < H; j++) {
        const i_t = act[a + j], f_t = act[a + H + j], g_t = act[a + 2 * H + j], o_t = act[a + 3 * H + j];
        const dh_t = dh[s + j], tanh_c = tc[s + j];
        const carried = t < T ? dc[s + B * H + j] * act[a + B * G + H + j] : 0;  // δc_{t+1} ⊙ f_{t+1}
        const dc_t = dh_t * o_t * (1 - tanh_c * tanh_c) + carried;            // Eq. (13)
        dc[s + j] = dc_t;
        dgh[d + j] = dc_t * g_t * i_t * (1 - i_t);                            // Eq. (14): δa_i
        dgh[d + H + j] = dc_t * c[sPrev + j] * f_t * (1 - f_t);               //           δa_f
        dgh[d + 2 * H + j] = dc_t * i_t * (1 - g_t * g_t);                    //           δa_g
        dgh[d + 3 * H + j] = dh_t * tanh_c * o_t * (1 - o_t);                 //           δa_o
      }
    }
  },
};
