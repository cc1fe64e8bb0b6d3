"""The Eq. (12) probe of exercises/carousel.py: ``pytest exercises/test_carousel.py``."""

from __future__ import annotations

import torch

from lstm_book import LSTM

EXERCISE = "carousel"
f64 = torch.float64


def test_products_of_known_gates(exercise):
    T, B, H = 6, 3, 2
    f = torch.full((T, B, H), 0.5, dtype=f64)
    f[:, :, 1] = 0.9
    k = torch.tensor([0, 3, 5])  # 5 steps after k, 2 steps, none
    expected = torch.tensor([[0.5**5, 0.9**5], [0.5**2, 0.9**2], [1.0, 1.0]], dtype=f64)
    got = exercise.carousel_factors(f, k)
    assert got.shape == (B, H), f"expected one factor per sequence and unit, shape {(B, H)}, got {tuple(got.shape)}"
    torch.testing.assert_close(got, expected, msg=lambda report: "∏_{t=k+1}^{T−1} f_t: the gate of step k itself "
                               f"is not in the product, the last step's is\n{report}")


def test_each_sequence_uses_its_own_gates(exercise):
    T, B, H = 5, 2, 3
    gen = torch.Generator().manual_seed(0)
    f = torch.rand(T, B, H, generator=gen, dtype=f64)
    k = torch.tensor([1, 2])
    got = exercise.carousel_factors(f, k)
    torch.testing.assert_close(got[0], f[2:, 0].prod(0))
    torch.testing.assert_close(got[1], f[3:, 1].prod(0))


def test_it_is_the_true_gradient_along_the_cell_when_the_gates_are_saturated(exercise):
    """Remember mode (forget gates near 1, input and output gates shut): every indirect route is cut and
    the diagonal of ∂c_{T−1}/∂c_k, from autograd through the recorded cell states, is Eq. (12)."""
    torch.manual_seed(0)
    T, B, I, H = 40, 4, 3, 6
    lstm = LSTM(I, H, dtype=f64)
    with torch.no_grad():  # effective biases: i −6, f +5, g as initialised, o −6
        for gate, value in (("i", -6.0), ("f", 5.0), ("o", -6.0)):
            block = slice(H * "ifgo".index(gate), H * ("ifgo".index(gate) + 1))
            lstm.bias_ih_l0[block], lstm.bias_hh_l0[block] = value, 0.0
    x = torch.randn(T, B, I, dtype=f64)
    _, _, steps = lstm.trace(x)  # steps[0][t] = (i, f, g, o, c, h) of step t, nodes of the graph
    cells = [step[4] for step in steps[0]]
    f = torch.stack([step[1] for step in steps[0]]).detach()
    k = torch.tensor([0, 10, 25, 39])
    got = exercise.carousel_factors(f, k)
    for b in range(B):
        diagonal = torch.stack([torch.autograd.grad(cells[-1][b, j], cells[int(k[b])], retain_graph=True)[0][b, j]
                                for j in range(H)])  # (∂c_{T−1} / ∂c_k)_jj of sequence b
        torch.testing.assert_close(got[b], diagonal, rtol=1e-3, atol=1e-12)
