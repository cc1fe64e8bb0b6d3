"""Three steps of a vanilla RNN above three steps of an LSTM, with the routes a gradient takes back.

The forward computation is drawn in the text colour, the backward routes in the accent colour: for
the RNN one route, through W_hh and tanh′ at every step (Eq. 2); for the LSTM the direct route
along the cell state, diag(f_t) per step (Eq. 12), and the indirect routes that leave c_t through
the gates, reach h_{t−1} and come back into c_{t−1} (the bracket of Eq. 11, times D_{t−1}).
"""

from __future__ import annotations

from lstm_book.book.experiments.diagrams.svg import Drawing

WIDTH, HEIGHT = 440, 526
STEPS = ("t−1", "t", "t+1")
XS = (96, 220, 344)  # centres of the three steps
PREV = {"t−1": "t−2", "t": "t−1", "t+1": "t"}

ALT = ("Three time steps of a vanilla RNN above three steps of an LSTM, with the backward routes of the "
       "gradient. In the RNN, the gradient reaching h_t goes back to h_{t−1} only through the cell, multiplied "
       "by diag(1 − h_t²) W_{hh} at every step (Eq. 2). In the LSTM, the gradient has a direct route backwards "
       "along the cell state, multiplied by diag(f_t) at every step (Eq. 12), and indirect routes that leave "
       "c_t through the gates, reach h_{t−1} and return into c_{t−1} (the bracket of Eq. 11 times D_{t−1}).")


def _rnn(d: Drawing, y0: float) -> None:
    y = y0 + 120  # the hidden-state line
    d.text(8, y0 + 18, "vanilla RNN", 14, font="sans", weight="bold", anchor="start")
    d.line([(14, y), (XS[0] - 28, y)], arrow=True)
    for k, (x, step) in enumerate(zip(XS, STEPS)):
        end = XS[k + 1] - 28 if k + 1 < len(XS) else WIDTH - 10
        d.line([(x + 28, y), (end, y)], arrow=True)
        d.line([(x, y + 50), (x, y + 18)], arrow=True)
        d.rect(x - 28, y - 18, 56, 36)
        d.text(x, y + 5, "tanh", 15)
        d.text(x, y + 66, f"x_{{{step}}}", 15)
        # backward: from h_t over the cell back to h_{t−1}
        d.curve((x + 40, y - 8), (x + 30, y - 52), (x - 30, y - 52), (x - 40, y - 8), "accent", 2.6, arrow=True)
        d.text(x, y - 71, f"diag(1 − h_{{{step}}}^2)", 14, "text")
        d.text(x, y - 55, "W_{hh}", 14, "text")
    d.text(14, y - 8, "h_{t−2}", 15, anchor="start")
    d.text(WIDTH - 10, y - 8, "h_{t+1}", 15, anchor="end")
    ky = y + 92  # the key
    d.curve((10, ky), (20, ky - 12), (34, ky - 12), (44, ky), "accent", 2.6)
    d.text(52, ky, "backward: diag(1 − h_t^2) W_{hh} per step, Eq. (2)", 14, font="sans", anchor="start")


def _lstm(d: Drawing, y0: float) -> None:
    yc, yg, yh = y0 + 82, y0 + 122, y0 + 154  # cell-state line, gates, hidden-state line
    half = 48
    d.text(8, y0 + 18, "LSTM", 14, font="sans", weight="bold", anchor="start")
    # backward routes first, so that boxes and nodes sit on top of them
    for k, (x, step) in enumerate(zip(XS, STEPS)):
        d.line([(x + half + 6, yc - 9), (x - half - 6, yc - 9)], "accent", 2.6, arrow=True)  # direct
        if k:  # indirect: c_t → gates → h_{t−1} → (o_{t−1}, tanh′) → c_{t−1}
            px = XS[k - 1]
            d.line([(x + 2, yc + 10), (x + 2, yg), (x - 31, yg), (x - 31, yh - 6), (px + 24, yh - 6),
                    (px + 24, yc + 9)], "accent", 2.2, dash=(6, 4), arrow=True)
        d.text(x, yc - 27, f"diag(f_{{{step}}})", 14)
    # the forward computation
    d.line([(10, yc), (XS[0] - half, yc)])
    d.line([(10, yh), (XS[0] - half, yh)])
    for k, (x, step) in enumerate(zip(XS, STEPS)):
        d.rect(x - half, yc - 18, 2 * half, yh - yc + 32, "muted", None, 1.2, rx=8)
        end = XS[k + 1] - half if k + 1 < len(XS) else WIDTH - 10
        fx, px_, ox = x - 22, x + 6, x + 30  # ⊙ f_t, + i_t ⊙ g_t, the h_t = o_t ⊙ tanh(c_t) branch
        d.line([(x - half, yc), (fx - 9, yc)])
        d.line([(fx + 9, yc), (px_ - 9, yc)])
        d.line([(px_ + 9, yc), (end, yc)], arrow=True)
        d.line([(x - half, yh), (x - 26, yh), (x - 26, yg + 11)], arrow=True)  # h_{t−1} into the gates
        d.line([(x - 6, yh + 36), (x - 6, yg + 11)], arrow=True)  # x_t into the gates
        d.line([(fx, yg - 11), (fx, yc + 9)], arrow=True)
        d.line([(px_, yg - 11), (px_, yc + 9)], arrow=True)
        d.line([(ox, yc), (ox, yg - 8)], arrow=True)
        d.line([(x + 10, yg), (ox - 8, yg)], arrow=True)  # o_t
        d.line([(ox, yg + 8), (ox, yh), (end, yh)], arrow=True)
        d.rect(x - 40, yg - 11, 50, 22, rx=3)
        d.text(x - 15, yg + 4.5, "gates", 14, font="sans")
        d.op_node(fx, yc, "⊙", r=9)
        d.op_node(px_, yc, "+", r=9)
        d.op_node(ox, yg, "⊙", r=8)
        d.text(x - 6, yh + 52, f"x_{{{step}}}", 15)
    d.text(10, yc - 8, "c_{t−2}", 15, anchor="start")
    d.text(WIDTH - 10, yc - 8, "c_{t+1}", 15, anchor="end")
    d.text(10, yh + 18, "h_{t−2}", 15, anchor="start")
    d.text(WIDTH - 10, yh + 18, "h_{t+1}", 15, anchor="end")
    # the key
    ky = yh + 82
    d.line([(10, ky - 4), (44, ky - 4)], "accent", 2.6)
    d.text(52, ky, "direct route along c: diag(f_t) per step, Eq. (12)", 14, font="sans", anchor="start")
    d.line([(10, ky + 20), (44, ky + 20)], "accent", 2.2, dash=(6, 4))
    d.text(52, ky + 24, "indirect routes c_t → gates → h_{t−1} → c_{t−1}:", 14, font="sans", anchor="start")
    d.text(52, ky + 42, "the bracket of Eq. (11), times D_{t−1}", 14, font="sans", anchor="start")


def unrolled(palette: dict) -> str:
    """The unrolled RNN (top) and LSTM (bottom) with their backward routes, as SVG text."""
    d = Drawing(WIDTH, HEIGHT, palette, ALT)
    _rnn(d, 0)
    d.line([(8, 228), (WIDTH - 8, 228)], "muted", 1)
    _lstm(d, 236)
    return d.to_svg()
