# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Check the math
#
# Part 1 derives how gradients travel through a vanilla RNN
# ([Why vanilla RNNs forget](https://lstm-book.github.io/lstm-from-first-principles/part1-math/why-rnns-forget/)) and through an LSTM
# ([How gradients flow through an LSTM](https://lstm-book.github.io/lstm-from-first-principles/part1-math/gradient-flow/)). This notebook
# checks each derivation with numbers: it computes the Jacobian or gradient from the equation as
# written on the page, computes the same quantity with autograd from the cell itself
# (`lstm_book.cell.lstm_step` and `rnn_step`, the code of Part 2), and prints the difference.
# Everything runs in float64 on small random cells, so "equal" means a difference near $10^{-16}$.
#
# 1. The vanilla RNN: one step, Eq. (2), and the product of Jacobians, Eq. (3).
# 2. The LSTM's one-step Jacobian $\partial c_t / \partial c_{t-1}$, Eq. (11).
# 3. The product of forget gates, Eq. (12), against the true long-range Jacobian.
# 4. Backpropagation through time by hand, Eqs. (13)–(16), against autograd.
# 5. The two views agree: Eq. (11) inside the BPTT recursion.

# %%
# In Colab, or wherever the book's package is missing: install it from GitHub.
# (Does nothing where lstm_book is importable, e.g. after `pip install -e .`.)
import importlib.util
import subprocess
import sys

REPO = "https://github.com/lstm-book/lstm-from-first-principles"
if importlib.util.find_spec("lstm_book") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"git+{REPO}"], check=True)
    importlib.invalidate_caches()

# %%
# %matplotlib inline
# %config InlineBackend.figure_formats = ["retina"]
import numpy as np
import torch
from torch.autograd.functional import jacobian

from lstm_book import LSTMCell, RNNCell, probes
from lstm_book.book import figures
from lstm_book.cell import lstm_step

torch.set_num_threads(1)
f64 = torch.float64


def max_diff(a, b):
    """Largest entry of |a − b|: the number each check prints."""
    return (a - b).abs().max().item()


# %% [markdown]
# ## 1. The vanilla RNN: Eqs. (2) and (3)
#
# One step of the RNN is $h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$, Eq. (1), and
# its Jacobian with respect to the previous state is Eq. (2):
#
# $$\frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\bigl(1 - h_t^2\bigr)\, W_{hh}.$$
#
# `lstm_book.RNNCell` computes one step; `torch.autograd.functional.jacobian` differentiates it.

# %%
torch.manual_seed(0)
I, H = 3, 6
rnn = RNNCell(I, H, dtype=f64)
W_hh = rnn.weight_hh.detach()
x_t, h_prev = torch.randn(I, dtype=f64), torch.randn(H, dtype=f64)

h_t = rnn(x_t, h_prev)
J_autograd = jacobian(lambda h: rnn(x_t, h), h_prev)
J_eq2 = torch.diag(1 - h_t.detach() ** 2) @ W_hh
print(f"Eq. (2) vs autograd: max |difference| = "
      f"{max_diff(J_autograd, J_eq2):.1e}")

# %% [markdown]
# Backpropagating from step $t$ to an earlier step $k$, a distance of $d = t - k$ steps, multiplies
# $d$ of these, latest step on the left, Eq. (3):
#
# $$\begin{aligned}
# \frac{\partial h_t}{\partial h_k} &= \prod_{t'=k+1}^{t} \operatorname{diag}\bigl(1 - h_{t'}^2\bigr)\, W_{hh},
# \\
# \Bigl\lVert \frac{\partial h_t}{\partial h_k} \Bigr\rVert_2
# &\le \prod_{t'} \kappa_{t'}\, \sigma_{\max}(W_{hh}) \le \sigma_{\max}(W_{hh})^{d},
# \end{aligned}$$
#
# where $\kappa_{t'} = \max_j (1 - h_{t',j}^2)$ is the largest $\tanh$ slope at step $t'$ (the book's
# notation: $k$ is an earlier step, $t'$ a step between $k$ and $t$, $d$ a distance in steps, $j$ a unit).
#
# Below, a 30-step trajectory: the product of the Eq. (2) factors against autograd's Jacobian of the
# whole unrolled map $h_k \mapsto h_t$, and both bounds.

# %%
d = 30
xs = torch.randn(d, I, dtype=f64)


def unrolled(h):
    for x in xs:
        h = rnn(x, h)
    return h


product, h, kappas = torch.eye(H, dtype=f64), h_prev, []
with torch.no_grad():
    for x in xs:
        h = rnn(x, h)
        # the newest factor goes on the left
        product = torch.diag(1 - h**2) @ W_hh @ product
        kappas.append((1 - h**2).max())

J_d = jacobian(unrolled, h_prev)
sigma_max = torch.linalg.matrix_norm(W_hh, 2)
bound = torch.stack(kappas).prod() * sigma_max**d
print(f"Eq. (3) product vs autograd over {d} steps: max |difference| = "
      f"{max_diff(J_d, product):.1e}")
print(f"‖∂h_t/∂h_k‖₂     = {torch.linalg.matrix_norm(J_d, 2):.3e}")
print(f"  ≤ ∏ κ_t' σ_max = {bound:.3e}")
print(f"  ≤ σ_max^d      = {sigma_max**d:.3e}  (σ_max(W_hh) = {sigma_max:.3f})")

# %% [markdown]
# The figure of
# [Why vanilla RNNs forget](https://lstm-book.github.io/lstm-from-first-principles/part1-math/why-rnns-forget/#the-measurement)
# is the same product along a longer trajectory of a larger RNN whose $W_{hh}$ is a random
# orthogonal matrix times $\rho$, for several $\rho$. It is drawn by
# `lstm_book.probes.rnn_jacobian_norms` with the settings of the book's `part1` experiment, so the
# numbers below are the page's:

# %%
from lstm_book.book.experiments import part1

b = part1.BUDGET.full  # the page's radii, sizes and input scale; seed 0, as the page's
print(b)
norms, powers = {}, {}
for rho in b.radii:
    with_tanh, power = probes.rnn_jacobian_norms(
        rho, hidden_size=b.hidden_size, steps=b.steps,
        input_scale=b.input_scale, seed=0)
    label = f"ρ = {rho:g}"
    norms[label], powers[label] = with_tanh.numpy(), power.numpy()
for label, v in norms.items():
    print(f"{label:<8} after 10 steps {v[9]:.2g}, after 50 {v[49]:.2g}, "
          f"after {b.steps} {v[-1]:.2g}")
figures.jacobian_products(np.arange(1, b.steps + 1), norms, powers)

# %% [markdown]
# ## 2. The one-step Jacobian of the cell state: Eq. (11)
#
# $c_{t-1}$ reaches $c_t$ directly, through $f_t \odot c_{t-1}$, and indirectly, through
# $h_{t-1} = o_{t-1} \odot \tanh(c_{t-1})$ and the gates that read $h_{t-1}$. The output gate
# $o_{t-1}$ was computed from $x_{t-1}$ and $h_{t-2}$, so it is held fixed. With
# $D_{t-1} = \operatorname{diag}\bigl(o_{t-1} \odot (1 - \tanh^2 c_{t-1})\bigr)$, Eq. (11) says
#
# $$\begin{aligned}
# \frac{\partial c_t}{\partial c_{t-1}} = \operatorname{diag}(f_t)
# &+ \Bigl[\operatorname{diag}\bigl(c_{t-1} \odot f_t \odot (1 - f_t)\bigr)\, W_{hf} \\
# &\quad\; + \operatorname{diag}\bigl(g_t \odot i_t \odot (1 - i_t)\bigr)\, W_{hi} \\
# &\quad\; + \operatorname{diag}\bigl(i_t \odot (1 - g_t^2)\bigr)\, W_{hg}\Bigr]\, D_{t-1}.
# \end{aligned}$$
#
# A random `LSTMCell` runs step $t-1$ from a random state, which gives $c_{t-1}$ and $o_{t-1}$; then
# autograd differentiates step $t$ as a function of $c_{t-1}$ alone.

# %%
torch.manual_seed(1)
I, H = 3, 5
cell = LSTMCell(I, H, dtype=f64)
W_ih, W_hh = cell.weight_ih.detach(), cell.weight_hh.detach()
bias = (cell.bias_ih + cell.bias_hh).detach()
# the blocks of weight_hh, in PyTorch's gate order i, f, g, o
W_hi, W_hf, W_hg, W_ho = W_hh.chunk(4)

# step t − 1 from a random state gives c_{t−1} and o_{t−1}
# (batches of one row: lstm_step works on (B, ·))
x_prev, x_t = torch.randn(2, 1, I, dtype=f64)
h_prev2, c_prev2 = torch.randn(2, 1, H, dtype=f64)
_, c_prev, (_, _, _, o_prev) = lstm_step(x_prev @ W_ih.T + bias,
                                         h_prev2, c_prev2, W_hh)
xw_t = x_t @ W_ih.T + bias


def c_t_of(c_prev):
    """Step t as a function of c_{t−1} alone: h_{t−1} = o_{t−1} ⊙ tanh(c_{t−1})
    with o_{t−1} held fixed (Eq. 9)."""
    return lstm_step(xw_t, o_prev * torch.tanh(c_prev), c_prev, W_hh)[1]


# (1, H) → (1, H): drop the batch axes
J_autograd = jacobian(c_t_of, c_prev)[0, :, 0, :]

h_prev = o_prev * torch.tanh(c_prev)
_, _, (i_t, f_t, g_t, _) = lstm_step(xw_t, h_prev, c_prev, W_hh)
i, f, g, c, o = (v[0] for v in (i_t, f_t, g_t, c_prev, o_prev))
D = torch.diag(o * (1 - torch.tanh(c) ** 2))
J_eq11 = torch.diag(f) + (torch.diag(c * f * (1 - f)) @ W_hf
                          + torch.diag(g * i * (1 - i)) @ W_hi
                          + torch.diag(i * (1 - g**2)) @ W_hg) @ D
print(f"Eq. (11) vs autograd:            max |difference| = "
      f"{max_diff(J_autograd, J_eq11):.1e}")
print(f"the direct term diag(f_t) alone: max |difference| = "
      f"{max_diff(J_autograd, torch.diag(f)):.1e}")

# %% [markdown]
# The first line is rounding. The second is the indirect route: with a default-initialised cell,
# whose gates sit near 0.5 and are far from saturated, it is not small.
#
# ## 3. The product of forget gates: Eq. (12)
#
# Keeping only the direct terms of Eq. (11) over a distance of $d$ steps gives Eq. (12):
#
# $$\frac{\partial c_{k+d}}{\partial c_k} \approx
# \operatorname{diag}\bigl(f_{k+1} \odot \cdots \odot f_{k+d}\bigr).$$
#
# The page says when this holds: in *remember mode*, with forget gates saturated near 1 and input
# gates near 0, the indirect terms of Eq. (11) vanish. Three cells test it: one with PyTorch's
# initialisation (gates near 0.5); one in remember mode (effective biases $b_f = 6$, $b_i = -6$);
# and one in remember mode whose output gate is shut as well ($b_o = -6$). For each, autograd
# differentiates the whole unrolled computation to get the true Jacobian $J$ over $d$ steps, and
# the last column is the relative error of Eq. (12), $\lVert J - \operatorname{diag}(\prod f)\rVert_2 / \lVert J \rVert_2$.

# %%
def long_range_jacobian(cell, d, seed=0):
    """The true ∂c_{k+d}/∂c_k along a random trajectory of `cell`, and the
    product of its forget gates along the way."""
    gen = torch.Generator().manual_seed(seed)
    W_ih, W_hh = cell.weight_ih.detach(), cell.weight_hh.detach()
    bias = (cell.bias_ih + cell.bias_hh).detach()
    I, H = cell.input_size, cell.hidden_size
    xw = torch.randn(d + 1, 1, I, generator=gen, dtype=f64) @ W_ih.T + bias
    h0, c0 = torch.randn(2, 1, H, generator=gen, dtype=f64)
    _, c_k, (_, _, _, o_k) = lstm_step(xw[0], h0, c0, W_hh)  # step k

    def c_end(c_k):
        h, c, forget = o_k * torch.tanh(c_k), c_k, []
        for t in range(1, d + 1):
            h, c, (_, f, _, _) = lstm_step(xw[t], h, c, W_hh)
            forget.append(f)
        return c, torch.cat(forget).prod(0)

    J = jacobian(lambda c: c_end(c)[0], c_k)[0, :, 0, :]
    return J, c_end(c_k)[1].detach()


def lstm_cell(seed, **effective_biases):
    """A random 4 → 8 LSTMCell whose named gates ("i", "f", "o") get the
    given effective bias (the gate sees the sum of bias_ih and bias_hh)."""
    torch.manual_seed(seed)
    cell = LSTMCell(4, 8, dtype=f64)
    with torch.no_grad():
        for gate, value in effective_biases.items():
            k = "ifgo".index(gate)
            cell.bias_ih[8 * k : 8 * k + 8] = value
            cell.bias_hh[8 * k : 8 * k + 8] = 0.0
    return cell


cells = {"default init": lstm_cell(2),
         "remember mode": lstm_cell(2, f=6.0, i=-6.0),
         "... and o shut": lstm_cell(2, f=6.0, i=-6.0, o=-6.0)}
print(f"{'cell':<15} {'d':>3} {'mean ∏f':>9} {'‖J‖₂':>9} "
      f"{'error of Eq. (12)':>18}")
for name, cell in cells.items():
    for d in (1, 10, 50):
        J, prod_f = long_range_jacobian(cell, d)
        norm = torch.linalg.matrix_norm(J, 2)
        error = torch.linalg.matrix_norm(J - torch.diag(prod_f), 2) / norm
        print(f"{name:<15} {d:>3} {prod_f.mean():>9.2e} {norm:>9.2e} "
              f"{error:>18.1e}")

# %% [markdown]
# With the default initialisation the approximation is poor after a single step, and 50 steps
# later both sides are negligible: condition 1 of the page (the forget gate must stay near 1)
# fails, and condition 2 (the indirect terms must be negligible) with it. In remember mode most of
# the gradient survives 50 steps and the product of forget gates is most of the Jacobian. What is
# left is Eq. (11)'s own bracket: its gate slopes, $f(1 - f)$, $i(1 - i)$ and $i$ itself, are about
# $\sigma'(6) \approx 0.0025$, small but not zero, and remember mode leaves the output gate open, so
# $D_{t-1} = \operatorname{diag}(o_{t-1} \odot (1 - \tanh^2 c_{t-1}))$ passes them on. (A route
# through a later output gate must come back into the cell through the same bracket, so it is
# smaller still.) Shut the output gate too and $D_{t-1}$ closes: every indirect route must leave the
# cell through $h_{t-1} = o_{t-1} \odot \tanh(c_{t-1})$, so every one is cut, and Eq. (12) becomes
# nearly exact.
#
# ## 4. Backpropagation through time by hand: Eqs. (13)–(16)
#
# The loss below reads every hidden state and the final cell state with random weights,
# $L = \sum_t \langle w_t, h_t \rangle + \langle u, c_T \rangle$, so $\partial \ell_t / \partial h_t = w_t$.
# The loop is the page's recipe, one equation per line; then autograd differentiates the same
# forward pass (the cell's own code) and every gradient is compared.
#
# $$\delta c_t = \delta h_t \odot o_t \odot \bigl(1 - \tanh^2(c_t)\bigr)
# + \delta c_{t+1} \odot f_{t+1} \tag{13}$$
#
# $$\begin{aligned}
# \delta a_{o} &= \delta h_t \odot \tanh(c_t) \odot o_t \odot (1 - o_t), \\
# \delta a_{f} &= \delta c_t \odot c_{t-1} \odot f_t \odot (1 - f_t), \\
# \delta a_{i} &= \delta c_t \odot g_t \odot i_t \odot (1 - i_t), \\
# \delta a_{g} &= \delta c_t \odot i_t \odot (1 - g_t^2),
# \end{aligned} \tag{14}$$
#
# $$\delta h_{t-1} = W_{hh}^{\top} \delta a_t + \frac{\partial \ell_{t-1}}{\partial h_{t-1}},
# \qquad \delta x_t = W_{ih}^{\top} \delta a_t \tag{15}$$
#
# $$\begin{aligned}
# \frac{\partial L}{\partial W_{ih}} &= \sum_t \delta a_t\, x_t^{\top}, \\
# \frac{\partial L}{\partial W_{hh}} &= \sum_t \delta a_t\, h_{t-1}^{\top}, \\
# \frac{\partial L}{\partial b} &= \sum_t \delta a_t
# \end{aligned} \tag{16}$$

# %%
torch.manual_seed(3)
T, B, I, H = 6, 3, 4, 5
cell = LSTMCell(I, H, dtype=f64)
x = torch.randn(T, B, I, dtype=f64, requires_grad=True)
h0, c0 = (torch.randn(B, H, dtype=f64, requires_grad=True) for _ in range(2))
# the loss's weights
w, u = torch.randn(T, B, H, dtype=f64), torch.randn(B, H, dtype=f64)

# Forward, keeping what BPTT needs: the gates, every state, and the input
# half of every pre-activation (a node of the graph, so that autograd can
# report δa_t = ∂L/∂a_t for comparison).
W_ih, W_hh = cell.weight_ih, cell.weight_hh
b_ih, b_hh = cell.bias_ih, cell.bias_hh
hs, cs, gates, xws = [h0], [c0], [], []
for t in range(T):
    xws.append(x[t] @ W_ih.T + b_ih + b_hh)
    h, c, g = lstm_step(xws[t], hs[-1], cs[-1], W_hh)
    hs.append(h), cs.append(c), gates.append(g)
loss = (w * torch.stack(hs[1:])).sum() + (u * cs[-1]).sum()

# Backward by hand. Batches are rows, so W^T δa is δa @ W, Σ δa x^T is δa.T @ x.
with torch.no_grad():
    d_W_ih, d_W_hh = torch.zeros_like(W_ih), torch.zeros_like(W_hh)
    d_b, d_x = torch.zeros_like(b_ih), torch.zeros_like(x)
    d_a_all, d_c_all = [None] * T, [None] * T
    # the part of δh_t that comes from step t+1, W_hh^T δa_{t+1}: none at t = T
    d_h_carry = torch.zeros(B, H, dtype=f64)
    # δc_{T+1} ⊙ f_{T+1} := 0, plus the loss's own gradient through c_T
    d_c_carry = u.clone()
    for t in reversed(range(T)):
        i, f, g, o = gates[t]
        c_prev, c_t = cs[t], cs[t + 1]
        d_h = w[t] + d_h_carry  # ∂ℓ_t/∂h_t plus Eq. (15) of step t+1
        d_c = d_h * o * (1 - torch.tanh(c_t) ** 2) + d_c_carry  # Eq. (13)
        d_a = torch.cat([d_c * g * i * (1 - i),  # Eq. (14): δa_i
                         d_c * c_prev * f * (1 - f),  # δa_f
                         d_c * i * (1 - g**2),  # δa_g
                         d_h * torch.tanh(c_t) * o * (1 - o)], dim=1)  # δa_o
        d_h_carry = d_a @ W_hh  # Eq. (15): δh_{t-1}, less its own loss term
        d_x[t] = d_a @ W_ih  # Eq. (15): δx_t
        d_c_carry = d_c * f  # the δc_t ⊙ f_t term of Eq. (13) at step t-1
        d_W_ih += d_a.T @ x[t]  # Eq. (16)
        d_W_hh += d_a.T @ hs[t]  # hs[t] is h_{t-1}
        d_b += d_a.sum(0)
        d_a_all[t], d_c_all[t] = d_a, d_c
    # what is left after the first step: the initial state's gradient
    d_h0, d_c0 = d_h_carry, d_c_carry

# Autograd, through the same forward pass
wanted = [W_ih, W_hh, b_ih, b_hh, x, h0, c0, *xws, *cs[1:]]
grads = torch.autograd.grad(loss, wanted)
auto = dict(zip(["W_ih", "W_hh", "b_ih", "b_hh", "x", "h_0", "c_0"], grads[:7]))
auto_d_a, auto_d_c = torch.stack(grads[7 : 7 + T]), torch.stack(grads[7 + T :])
checks = {
    "δc_t for every t (Eq. 13)": (torch.stack(d_c_all), auto_d_c),
    "δa_t for every t (Eq. 14)": (torch.stack(d_a_all), auto_d_a),
    "δx_t (Eq. 15)": (d_x, auto["x"]),
    "δh_0 (Eq. 15 at the first step)": (d_h0, auto["h_0"]),
    "δc_0 (Eq. 13 at the first step)": (d_c0, auto["c_0"]),
    "∂L/∂W_ih (Eq. 16)": (d_W_ih, auto["W_ih"]),
    "∂L/∂W_hh (Eq. 16)": (d_W_hh, auto["W_hh"]),
    "∂L/∂b_ih (Eq. 16)": (d_b, auto["b_ih"]),
    "∂L/∂b_hh (Eq. 16)": (d_b, auto["b_hh"]),
}
for name, (by_hand, by_autograd) in checks.items():
    print(f"{name:<32} max |difference| = "
          f"{max_diff(by_hand, by_autograd):.1e}")

# %% [markdown]
# Every gradient of the hand-written recipe matches autograd to rounding. Part 2 turns this loop
# into `lstm_book.bptt.LSTMLayerFunction`
# ([BPTT by hand](https://lstm-book.github.io/lstm-from-first-principles/part2-code/bptt-by-hand/)),
# which computes the step-independent factors for all steps at once.
#
# ## 5. The two views agree
#
# The last section of the page connects Eq. (11) with the BPTT recursion: substituting
# Eqs. (14)–(15) into Eq. (13) gives
#
# $$\begin{aligned}
# \delta c_{t-1} = {} & \Bigl(\frac{\partial c_t}{\partial c_{t-1}}\Bigr)^{\!\top} \delta c_t \\
# &+ D_{t-1} \Bigl( W_{ho}^{\top}\, \delta a_{o,t} + \frac{\partial \ell_{t-1}}{\partial h_{t-1}} \Bigr).
# \end{aligned}$$
#
# The check below builds Eq. (11) from the gates of step $t$ of the run above (for the first
# sequence of the batch) and compares the right-hand side with the $\delta c_{t-1}$ of the loop.

# %%
t, row = 3, 0  # step t of the run above, first sequence of the batch
with torch.no_grad():
    i, f, g, _ = (v[row] for v in gates[t])
    o_prev, c_prev = gates[t - 1][3][row], cs[t][row]
    W_hi, W_hf, W_hg, W_ho = W_hh.chunk(4)
    D = torch.diag(o_prev * (1 - torch.tanh(c_prev) ** 2))
    J11 = torch.diag(f) + (torch.diag(c_prev * f * (1 - f)) @ W_hf
                           + torch.diag(g * i * (1 - i)) @ W_hi
                           + torch.diag(i * (1 - g**2)) @ W_hg) @ D
    d_a_o = d_a_all[t][row, 3 * H :]
    rhs = J11.T @ d_c_all[t][row] + D @ (W_ho.T @ d_a_o + w[t - 1, row])
print("δc_(t-1): the loop vs Eq. (11) plus the output-gate route")
print(f"max |difference| = {max_diff(d_c_all[t - 1][row], rhs):.1e}")

# %% [markdown]
# ## Things to try
#
# * Section 3: lower the remember-mode biases to $b_f = 2$, $b_i = -2$. How fast does the relative
#   error of Eq. (12) grow with $d$?
# * Section 1: scale `W_hh` by 3 (`rnn.weight_hh.data *= 3`) and rerun: does the product grow, and
#   how far below $\sigma_{\max}^d$ does it stay?
# * Section 4: drop the `+ d_c_carry` from Eq. (13) and see which gradients stop matching.
