// gru-cell.js — one step of the GRU (Eqs. 17–20, PyTorch's placement of the reset gate), forward and
// backward, for a whole batch.
//
// With gi = W_ih x_t + b_ih (ws.table, one row per symbol) and gh_t = W_hh h_{t-1} + b_hh (ws.gh,
// block t), both in blocks r, z, n of H rows:
//   r_t = σ(gi_r + gh_r)                        Eq. (17): reset gate
//   z_t = σ(gi_z + gh_z)                        Eq. (18): update gate
//   n_t = tanh(gi_n + r_t ⊙ gh_n)               Eq. (19): candidate; r_t scales W_hn h_{t-1} + b_hn
//   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}       Eq. (20)
// Differentiating each line (as lstm_book/bptt_gru.py does), with δh_t = ∂L/∂h_t:
//   from (20): δn = δh_t ⊙ (1 − z_t),  δz = δh_t ⊙ (h_{t-1} − n_t),  δh_{t-1} gets δh_t ⊙ z_t directly
//   from (19): δa_n = δn ⊙ (1 − n_t²);  δgi_n = δa_n,  δgh_n = δa_n ⊙ r_t,  δr = δa_n ⊙ gh_n
//   from (17), (18): δa_r = δr ⊙ r_t(1 − r_t),  δa_z = δz ⊙ z_t(1 − z_t), which gi and gh both receive
// classifier.js sends δgh_t back to h_{t-1} (W_hhᵀ δgh_t) and both deltas to the weights.

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

export const gruCell = {
  name: "gru",
  blocks: 3,                            // r, z, n
  keepGate: { name: "z", block: 1 },    // the update gate keeps a fraction z_t of h_{t-1}
  sameDeltas: false,                    // δgi_n = δa_n but δgh_n = δa_n ⊙ r_t

  allocate() {},

  forward(ws, t) {
    const { B, T, H, G, tokens, table, gh, act, h } = ws;
    for (let b = 0; b < B; b++) {
      const x = tokens[b * T + t - 1] * G, a = (t * B + b) * G, s = (t * B + b) * H, sPrev = s - B * H;
      for (let j = 0; j < H; j++) {
        const r_t = sigmoid(table[x + j] + gh[a + j]);                             // Eq. (17)
        const z_t = sigmoid(table[x + H + j] + gh[a + H + j]);                     // Eq. (18)
        const n_t = Math.tanh(table[x + 2 * H + j] + r_t * gh[a + 2 * H + j]);     // Eq. (19)
        act[a + j] = r_t; act[a + H + j] = z_t; act[a + 2 * H + j] = n_t;
        h[s + j] = (1 - z_t) * n_t + z_t * h[sPrev + j];                          // Eq. (20)
      }
    }
  },

  backward(ws, t) {
    const { B, H, G, act, gh, h, dh, dgi, dgh } = ws;
    for (let b = 0; b < B; b++) {
      const a = (t * B + b) * G, s = (t * B + b) * H, sPrev = s - B * H, d = b * G;
      for (let j = 0; j < H; j++) {
        const r_t = act[a + j], z_t = act[a + H + j], n_t = act[a + 2 * H + j], dh_t = dh[s + j];
        const da_n = dh_t * (1 - z_t) * (1 - n_t * n_t);                           // from (20) and (19)
        const da_z = dh_t * (h[sPrev + j] - n_t) * z_t * (1 - z_t);                // from (20) and (18)
        const da_r = da_n * gh[a + 2 * H + j] * r_t * (1 - r_t);                   // from (19) and (17)
        dgi[d + j] = dgh[d + j] = da_r;
        dgi[d + H + j] = dgh[d + H + j] = da_z;
        dgi[d + 2 * H + j] = da_n;
        dgh[d + 2 * H + j] = da_n * r_t;
        if (t > 1) dh[sPrev + j] += dh_t * z_t;                                   // the direct route of (20)
      }
    }
  },
};
