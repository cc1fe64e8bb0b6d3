"""The vanilla RNN, Eqs. (1)–(3): its cell, and three steps unrolled with the gradient's way back.

The same vocabulary as the LSTM cell: boxes are learned layers (here the two matrices W_hh and W_ih),
circles pointwise operations (+), the ellipse the pointwise tanh; h_t leaves to the right (the next
step) and up (the next layer). The unrolled chain repeats a compact copy of the cell per step and draws
the backward route, one Jacobian J_t = diag(1 − h_t²) W_hh per step (Eq. 2), in the accent colour;
their product is Eq. (3).
"""

from __future__ import annotations

from lstm_book.book.experiments.diagrams.svg import Drawing

R = 10  # radius of a pointwise node

CELL_ALT = ("The vanilla RNN cell, Eq. 1. The previous hidden state h_{t−1} enters from the left and is "
            "multiplied by the matrix W_{hh}; the input x_t enters from below and is multiplied by W_{ih}. "
            "The two products and the bias b_{ih} + b_{hh} are added, the sum goes through tanh, and the result "
            "h_t leaves to the right, to the next step, and upwards.")

UNROLLED_ALT = ("Three steps of a vanilla RNN, t−2, t−1 and t, each a compact copy of the cell of Eq. 1: from "
                "h_{t−3}, every step multiplies the previous state by W_{hh}, adds W_{ih} x and the bias, and applies"
                " tanh, up to h_t. Highlighted, the gradient goes back the same way: over each step it is multiplied "
                "by the Jacobian J = diag(1 − h²) W_{hh} of Eq. 2, the tanh slope times the same matrix W_{hh}, so "
                "∂h_t/∂h_{t−3} is the product J_t J_{t−1} J_{t−2} of Eq. 3.")


def rnn_cell(palette: dict) -> str:
    """The vanilla RNN cell of Eq. (1) as SVG text."""
    width, height = 440, 262
    y_h, y_in = 128, 190  # the hidden-state line, the centre of the W_ih box
    x_hh, x_plus, x_tanh, x_up = 130, 236, 318, 388  # W_hh, the +, tanh, where h_t forks up
    box_w, box_h = 58, 40
    d = Drawing(width, height, palette, CELL_ALT)
    d.rect(46, 40, 366, 182, "muted", None, 1.2, rx=12)  # the cell's outline

    # h_{t−1} → W_hh → +; x_t → W_ih → +; b → +
    d.line([(8, y_h), (x_hh - box_w / 2, y_h)], arrow=True)
    d.line([(x_hh + box_w / 2, y_h), (x_plus - R, y_h)], arrow=True)
    d.line([(x_plus, height - 24), (x_plus, y_in + box_h / 2)], arrow=True)
    d.line([(x_plus, y_in - box_h / 2), (x_plus, y_h + R)], arrow=True)
    d.line([(x_plus, 76), (x_plus, y_h - R)], arrow=True)
    # + → tanh → h_t, out to the right and up
    d.line([(x_plus + R, y_h), (x_tanh - 24, y_h)], arrow=True)
    d.line([(x_tanh + 24, y_h), (width - 8, y_h)], arrow=True)
    d.line([(x_up, y_h), (x_up, 8)], arrow=True)

    d.rect(x_hh - box_w / 2, y_h - box_h / 2, box_w, box_h)
    d.text(x_hh, y_h + 6, "W_{hh}", 18)
    d.rect(x_plus - box_w / 2, y_in - box_h / 2, box_w, box_h)
    d.text(x_plus, y_in + 6, "W_{ih}", 18)
    d.op_node(x_plus, y_h, "+", r=R)
    d.ellipse(x_tanh, y_h, 24, 14)
    d.text(x_tanh, y_h + 5, "tanh", 15)

    d.text(8, y_h - 9, "h_{t−1}", 18, anchor="start")
    d.text(x_plus, height - 6, "x_t", 18)
    d.text(x_plus, 68, "b_{ih} + b_{hh}", 16)
    d.text(width - 8, y_h - 9, "h_t", 18, anchor="end")
    d.text(x_up + 7, 20, "h_t", 18, anchor="start")
    d.text(x_tanh, y_h + 32, "(1)", 14, font="sans")
    return d.to_svg()


STEPS = ("t−2", "t−1", "t")
XS = (96, 222, 348)  # centres of the three steps (the + of each)


def rnn_unrolled(palette: dict) -> str:
    """Three steps of the vanilla RNN with the backward route of Eqs. (2)–(3) highlighted, as SVG text."""
    width, height = 440, 350
    y_h, y_in = 150, 204  # the hidden-state line, the centre of the W_ih boxes
    d = Drawing(width, height, palette, UNROLLED_ALT)

    for k, (x, step) in enumerate(zip(XS, STEPS)):
        x_hh, x_tanh = x - 38, x + 38
        # backward, first so that the forward marks sit on top: h_t → (tanh′, W_hh) → h_{t−1}
        d.curve((x + 56, y_h - 10), (x + 44, y_h - 62), (x - 44, y_h - 62), (x - 56, y_h - 10), "accent", 3.0,
                arrow=True)
        d.text(x, y_h - 104, f"J_{{{step}}} =", 15)
        d.text(x, y_h - 86, f"diag(1 − h_{{{step}}}^2)", 14)
        d.text(x, y_h - 68, "W_{hh}", 14)
        # forward: h_{t−1} → W_hh → + → tanh → h_t, with x_t → W_ih → + from below
        start = 8 if k == 0 else XS[k - 1] + 56
        d.line([(start, y_h), (x_hh - 19, y_h)], arrow=True)
        d.line([(x_hh + 19, y_h), (x - 8, y_h)], arrow=True)
        d.line([(x + 8, y_h), (x_tanh - 18, y_h)], arrow=True)
        d.line([(x, y_h + 72), (x, y_in + 13)], "muted", arrow=True)
        d.line([(x, y_in - 13), (x, y_h + 8)], "muted", arrow=True)
        d.rect(x_hh - 19, y_h - 14, 38, 28, "accent", "bg", 2.2, rx=3)
        d.text(x_hh, y_h + 5, "W_{hh}", 14)
        d.rect(x - 19, y_in - 13, 38, 26, "muted", "bg", 1.6, rx=3)
        d.text(x, y_in + 5, "W_{ih}", 14)
        d.op_node(x, y_h, "+", r=8)
        d.ellipse(x_tanh, y_h, 18, 12, "accent", "bg", 2.2)
        d.text(x_tanh, y_h + 4.5, "tanh", 14)
        d.text(x, y_h + 90, f"x_{{{step}}}", 15)
        if k + 1 < len(XS):
            d.text(x + 63, y_h + 28, f"h_{{{step}}}", 15)
    d.line([(XS[-1] + 56, y_h), (width - 8, y_h)], arrow=True)
    d.text(8, y_h + 28, "h_{t−3}", 15, anchor="start")
    d.text(width - 8, y_h + 28, "h_t", 15, anchor="end")

    # the key: what each arc multiplies by, and the product along the chain
    ky = y_h + 128
    d.curve((10, ky), (20, ky - 12), (34, ky - 12), (44, ky), "accent", 3.0)
    d.text(52, ky, "backward, one Jacobian per step, Eq. (2)", 14, font="sans", anchor="start")
    d.text(10, ky + 26, "their product along the chain, Eq. (3):", 14, font="sans", anchor="start")
    d.text(52, ky + 50, "∂h_t / ∂h_{t−3} = J_t J_{t−1} J_{t−2}", 15, anchor="start")
    return d.to_svg()
