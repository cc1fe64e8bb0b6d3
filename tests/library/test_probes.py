"""Probes measure what they claim: the hand unroll is the model, gradients match autograd, statistics count right."""

import math

import pytest
import torch


from lstm_book import SequenceClassifier
from lstm_book.probes import cell_gradient_norms, distractor_mask, gate_position_means, informative_mask, input_gradient_norms, rnn_jacobian_norms, saturation_fractions, unroll_lstm
from lstm_book.tasks import temporal_order
from lstm_book.training import seeded


def model(cell="lstm", layers=2, seed=0):
    with seeded(seed):
        return SequenceClassifier(8, 6, 10, 4, num_layers=layers, cell=cell)


@pytest.fixture(scope="module")
def data():
    return temporal_order(5, seq_len=30, seed=0)


def test_unroll_reproduces_the_models_forward_exactly(data):
    m = model().double()
    embedded = m.embedding(data.tokens)
    logits, cells = unroll_lstm(m, embedded)
    torch.testing.assert_close(logits, m.classify(embedded), rtol=0, atol=1e-12)
    _, gates = m(data.tokens, return_gates=True)
    assert len(cells) == 2 and len(cells[0]) == 30
    for layer in range(2):
        torch.testing.assert_close(torch.stack(cells[layer]), gates["c"][layer], rtol=0, atol=1e-12)


def test_input_gradients_match_autograd_per_sequence(data):
    m = model()
    norms = input_gradient_norms(m, data.tokens, data.labels)
    assert norms.shape == (30,)
    m64 = model().double()
    per_sequence = []
    for b in range(5):  # one sequence at a time: the gradient of its own loss
        x = m64.embedding(data.tokens[b : b + 1]).detach().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(m64.classify(x), data.labels[b : b + 1])
        (g,) = torch.autograd.grad(loss, x)
        per_sequence.append(g[0].norm(dim=1))
    torch.testing.assert_close(norms, torch.stack(per_sequence).mean(0), rtol=1e-9, atol=1e-15)


def test_input_gradients_leave_the_model_untouched(data):
    m = model()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    input_gradient_norms(m, data.tokens, data.labels)
    assert all(p.grad is None for p in m.parameters())
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    assert next(m.parameters()).dtype == torch.float32


def test_cell_gradient_at_the_last_step_is_the_direct_path(data):
    """∂L/∂c_T of the top layer only flows through h_T = o_T ⊙ tanh(c_T): check against that formula."""
    m = model(layers=1).double()
    norms = cell_gradient_norms(m, data.tokens, data.labels)
    assert norms.shape == (1, 30)
    x = m.embedding(data.tokens).detach()
    h_last = m.rnn(x)[0][:, -1].detach().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(m.head(h_last), data.labels, reduction="sum")
    (dh,) = torch.autograd.grad(loss, h_last)
    _, _, gates = m.rnn(x, return_gates=True)
    o_T, c_T = gates["o"][0, -1], gates["c"][0, -1]
    expected = (dh * o_T * (1 - torch.tanh(c_T) ** 2)).norm(dim=1).mean()
    torch.testing.assert_close(norms[0, -1], expected.detach(), rtol=1e-9, atol=1e-15)
    assert (norms > 0).all()


def test_rnn_input_gradients_vanish_over_distance():
    m = model(cell="rnn", layers=1)
    d = temporal_order(16, seq_len=100, seed=1)
    norms = input_gradient_norms(m, d.tokens, d.labels)
    assert norms[0] < 1e-6 * norms[-1]


def test_jacobian_products_shrink_below_one_and_linear_part_is_rho_to_the_k():
    with_tanh, linear = rnn_jacobian_norms(0.9, hidden_size=16, steps=40)
    torch.testing.assert_close(linear, 0.9 ** torch.arange(1, 41, dtype=torch.float64), rtol=1e-8, atol=0)
    assert (with_tanh <= linear * (1 + 1e-9)).all()  # |tanh'| ≤ 1 can only shrink it
    big, _ = rnn_jacobian_norms(3.0, hidden_size=16, steps=40)
    assert big[-1] > 1e3 and with_tanh[-1] < 1e-2


def test_informative_mask_and_position_means():
    positions = torch.tensor([[1, 3], [0, 2]])
    mask = informative_mask(positions, 5)
    assert mask.tolist() == [[False, True, False, True, False], [True, False, True, False, False]]
    # distractors: neither informative nor the first or last symbol
    assert distractor_mask(positions, 5).tolist() == [[False, False, True, False, False], [False, True, False, True, False]]
    # a fake gate that is 1 at the informative positions and 0 elsewhere
    f = mask.T.float()[None, :, :, None].expand(1, 5, 2, 3)
    stats = gate_position_means({"f": f}, positions, names=("f",))
    s = stats["layer 1"]["f"]
    assert s["informative"] == 1.0 and s["distractor"] == 0.0
    assert s["informative_gt_0.9"] == 1.0 and s["distractor_lt_0.1"] == 1.0


def test_saturation_fractions_count_per_unit():
    gate = torch.tensor([[[0.05, 0.95, 0.5]], [[0.05, 0.5, 0.5]], [[0.95, 0.95, 0.5]], [[0.05, 0.95, 0.5]]])
    left, right = saturation_fractions(gate)
    assert left.tolist() == [0.75, 0.0, 0.0]
    assert right.tolist() == [0.25, 0.75, 0.0]
    assert math.isclose(float(left[0] + right[0]), 1.0)
