// matrix.js — the three matrix products of a recurrent layer, on row-major Float64Arrays.
//
// A batch is n rows stored one after another: row b of X starts at X[x0 + b·cols]. W is (rows × cols),
// row-major, as PyTorch stores weight_ih, weight_hh and the head's weight. Nothing is allocated.
//
// Each product works four rows at a time (then one at a time for the rest): every value read from
// memory serves four multiply-adds, and the four sums do not wait for each other. In V8 (Chromium's
// engine) this makes the products about 1.5–2x faster than the plain triple loop, which is all that
// the code below adds to the formula in its comment.

// Forward, a = W x + bias for every row of X:
// out[o0 + b·rows + r] = bias[r] + Σ_k W[r·cols + k] · X[x0 + b·cols + k].
export function affineRows(out, o0, X, x0, W, bias, n, rows, cols) {
  for (let b = 0; b < n; b++) {
    const x = x0 + b * cols, o = o0 + b * rows;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
      let s0 = bias[r], s1 = bias[r + 1], s2 = bias[r + 2], s3 = bias[r + 3];
      for (let k = 0; k < cols; k++) {
        const xk = X[x + k];
        s0 += W[w0 + k] * xk; s1 += W[w1 + k] * xk; s2 += W[w2 + k] * xk; s3 += W[w3 + k] * xk;
      }
      out[o + r] = s0; out[o + r + 1] = s1; out[o + r + 2] = s2; out[o + r + 3] = s3;
    }
    for (; r < rows; r++) {
      const w = r * cols;
      let s = bias[r];
      for (let k = 0; k < cols; k++) s += W[w + k] * X[x + k];
      out[o + r] = s;
    }
  }
}

// Backward to the inputs, δx = Wᵀ δa for every row of D (Eq. 15):
// out[o0 + b·cols + k] += Σ_r D[d0 + b·rows + r] · W[r·cols + k].
export function addRowsTimesMatrix(out, o0, D, d0, W, n, rows, cols) {
  for (let b = 0; b < n; b++) {
    const d = d0 + b * rows, o = o0 + b * cols;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const e0 = D[d + r], e1 = D[d + r + 1], e2 = D[d + r + 2], e3 = D[d + r + 3];
      const w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
      for (let k = 0; k < cols; k++) out[o + k] += e0 * W[w0 + k] + e1 * W[w1 + k] + e2 * W[w2 + k] + e3 * W[w3 + k];
    }
    for (; r < rows; r++) {
      const e = D[d + r], w = r * cols;
      for (let k = 0; k < cols; k++) out[o + k] += e * W[w + k];
    }
  }
}

// Backward to the weights, summed over the rows (Eq. 16): dW += Σ_b δa_b x_bᵀ and dBias += Σ_b δa_b.
export function addOuterProducts(dW, dBias, D, d0, X, x0, n, rows, cols) {
  let b = 0;
  for (; b + 4 <= n; b += 4) {
    const d = d0 + b * rows, x = x0 + b * cols;
    for (let r = 0; r < rows; r++) {
      const e0 = D[d + r], e1 = D[d + rows + r], e2 = D[d + 2 * rows + r], e3 = D[d + 3 * rows + r], w = r * cols;
      dBias[r] += e0 + e1 + e2 + e3;
      for (let k = 0; k < cols; k++) {
        dW[w + k] += e0 * X[x + k] + e1 * X[x + cols + k] + e2 * X[x + 2 * cols + k] + e3 * X[x + 3 * cols + k];
      }
    }
  }
  for (; b < n; b++) {
    const d = d0 + b * rows, x = x0 + b * cols;
    for (let r = 0; r < rows; r++) {
      const e = D[d + r], w = r * cols;
      dBias[r] += e;
      for (let k = 0; k < cols; k++) dW[w + k] += e * X[x + k];
    }
  }
}
