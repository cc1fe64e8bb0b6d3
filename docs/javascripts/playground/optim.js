// optim.js — global-norm gradient clipping and Adam, as PyTorch computes them, on lists of
// Float64Arrays (one per parameter, in the same order for params and grads).

// torch.nn.utils.clip_grad_norm_: the norm of all gradients together (the 2-norm of the per-tensor
// 2-norms); every gradient is scaled by min(1, maxNorm / (norm + 1e-6)).
// Returns the norm before clipping. maxNorm null (or Infinity) only measures.
export function clipGradNorm(grads, maxNorm) {
  let squares = 0;
  for (const g of grads) {
    let s = 0;
    for (let k = 0; k < g.length; k++) s += g[k] * g[k];
    const tensorNorm = Math.sqrt(s);
    squares += tensorNorm * tensorNorm;
  }
  const norm = Math.sqrt(squares);
  if (maxNorm !== null && maxNorm !== undefined) {
    const coef = Math.min(maxNorm / (norm + 1e-6), 1);
    if (coef < 1) for (const g of grads) for (let k = 0; k < g.length; k++) g[k] *= coef;
  }
  return norm;
}

// torch.optim.Adam (Kingma & Ba 2015) with its defaults: betas (0.9, 0.999), eps 1e-8, no weight
// decay, bias-corrected moments. step(grads) updates params in place, in torch's order of operations:
//   m ← m + (1 − β1)(g − m)        v ← β2 v + (1 − β2) g²
//   θ ← θ − lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
export function createAdam(params, { lr, betas = [0.9, 0.999], eps = 1e-8 }) {
  const [beta1, beta2] = betas;
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  let t = 0;
  return {
    get steps() { return t; },
    step(grads) {
      t += 1;
      const stepSize = lr / (1 - beta1 ** t), correction2 = Math.sqrt(1 - beta2 ** t);
      params.forEach((p, n) => {
        const g = grads[n], mn = m[n], vn = v[n];
        for (let k = 0; k < p.length; k++) {
          mn[k] += (1 - beta1) * (g[k] - mn[k]);               // torch: exp_avg.lerp_(grad, 1 − β1)
          vn[k] = vn[k] * beta2 + (1 - beta2) * (g[k] * g[k]);
          p[k] -= stepSize * (mn[k] / (Math.sqrt(vn[k]) / correction2 + eps));
        }
      });
    },
  };
}
