// init.js — how the playground's models start: PyTorch's initialisation, then the forget gate's.
//
// As torch.nn does (in the order lstm_book.SequenceClassifier creates its parts):
//   embedding ~ N(0, 1)                                                  nn.Embedding
//   W_ih, W_hh, b_ih, b_hh ~ U(−1/√H, 1/√H)                              nn.RNN, nn.LSTM, nn.GRU
//   W_head, b_head ~ U(−1/√H, 1/√H)                                      nn.Linear(H, K)
// Then the LSTM's forget gate, with the keys of lstm_book.experiments.inits.Init:
//   "torch"    leave it: the effective bias b_if + b_hf is the sum of two uniform draws, f_t ≈ 0.5
//   a number   the effective forget bias b_f = b_if + b_hf is exactly that number (b_if holds it,
//              b_hf = 0), as lstm_book.cell.set_forget_bias: at b_f = 1, f_t starts near σ(1) ≈ 0.73
//   "chrono"   Eq. (10) (Tallec & Ollivier 2018), as lstm_book.cell.set_chrono_bias:
//              b_f ~ log U(1, T_max − 1) and b_i = −b_f, in b_ih, with b_hh's i and f blocks zeroed;
//              the book uses T_max = T, the sequence length.

export function initialise(model, rng, forget = "torch", tMax = null) {
  const { H, params: p } = model, bound = 1 / Math.sqrt(H);
  for (let k = 0; k < p.embedding.length; k++) p.embedding[k] = rng.normal();
  for (const name of ["W_ih", "W_hh", "b_ih", "b_hh", "W_head", "b_head"]) {
    for (let k = 0; k < p[name].length; k++) p[name][k] = rng.between(-bound, bound);
  }
  setForgetGate(model, forget, tMax, rng);
}

export function setForgetGate(model, forget, tMax, rng) {
  if (forget === "torch") return;
  const { H, params: p } = model;
  if (model.cell.name !== "lstm") throw new Error(`init: forget-gate initialisation ${forget} needs an LSTM`);
  if (forget === "chrono") {
    if (!(tMax >= 3)) throw new Error(`init: chrono needs T_max >= 3 (it samples U(1, T_max − 1)), got ${tMax}`);
    for (let j = 0; j < H; j++) {
      const b_f = Math.log(rng.between(1, tMax - 1));  // Eq. (10)
      p.b_ih[H + j] = b_f;
      p.b_ih[j] = -b_f;
      p.b_hh[j] = 0;
      p.b_hh[H + j] = 0;
    }
    return;
  }
  const b_f = Number(forget);
  if (forget === null || forget === "" || !Number.isFinite(b_f)) {
    throw new Error(`init: forget must be "torch", "chrono" or a number, got ${forget}`);
  }
  for (let j = 0; j < H; j++) { p.b_ih[H + j] = b_f; p.b_hh[H + j] = 0; }
}
