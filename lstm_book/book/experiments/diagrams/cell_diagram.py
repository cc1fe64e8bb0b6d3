"""The LSTM cell, Eqs. (4)–(9): one drawing, with one path highlighted per panel.

colah's layout: the cell state c_{t−1} → c_t runs straight across the top; the merged [h_{t−1}, x_t]
runs along the bottom and feeds four learned layers (boxes σ, σ, tanh, σ, each tagged with its
equation); pointwise operations are circles (⊙, +) and the ellipse tanh(c_t); h_t leaves to the
right (the next step) and up (the next layer). Every panel has the same positions.
"""

from __future__ import annotations

from lstm_book.book.experiments.diagrams.svg import Drawing

WIDTH, HEIGHT = 440, 312
Y_C, Y_BUS, Y_BOX = 60, 228, 178  # the cell-state line, the [h, x] bus, the centre of the boxes
BOX = 46  # the boxes are BOX × BOX
X_MERGE = 70  # where x_t joins h_{t−1}
COLUMNS = {"f": 115, "i": 172, "g": 229, "o": 290}  # x of each learned layer
X_IG, Y_IG = 200, 125  # the ⊙ of i_t and g_t, under the + of the cell state
X_OUT, Y_TANH, Y_OUT = 350, 108, Y_BOX  # tanh(c_t) and the ⊙ of o_t
X_UP = 400  # where h_t forks up to the next layer
R = 10  # radius of a pointwise node

# The highlighted elements of each panel (the names of the drawing's pieces, below).
HIGHLIGHTS: dict[str, frozenset[str]] = {
    "plain": frozenset(),
    "forget": frozenset({"bus_in", "bus_f", "br_f", "box_f", "f_line", "c_in", "f_node"}),
    "input": frozenset({"bus_in", "bus_f", "bus_i", "bus_g", "br_i", "br_g", "box_i", "box_g", "i_line",
                        "g_line", "ig_node", "ig_up", "plus"}),
    "update": frozenset({"c_in", "f_node", "c_mid", "plus", "c_out", "c_end", "ig_up"}),
    "output": frozenset({"bus_in", "bus_f", "bus_i", "bus_g", "bus_o", "br_o", "box_o", "o_line",
                         "tanh_fork", "tanh_c", "tanh_down", "o_node", "h_out"}),
}

ALT = {
    "plain": "The LSTM cell. The cell state runs straight across the top from c_{t−1} to c_t, through an "
             "element-wise product ⊙ and a sum +. Below, h_{t−1} and x_t merge into one line that feeds four "
             "layers: σ for the forget gate f_t (Eq. 4), σ for the input gate i_t (Eq. 5), tanh for the candidate "
             "g_t (Eq. 6) and σ for the output gate o_t (Eq. 8). f_t multiplies c_{t−1}; i_t ⊙ g_t is added to it "
             "(Eq. 7); tanh(c_t) multiplied by o_t gives h_t (Eq. 9), which leaves to the right and upwards.",
    "forget": "The same LSTM cell with the forget path highlighted: h_{t−1} and x_t feed the σ layer of Eq. 4, "
              "whose output f_t multiplies the incoming cell state c_{t−1} element by element.",
    "input": "The same LSTM cell with the write path highlighted: h_{t−1} and x_t feed the σ layer of the input "
             "gate i_t (Eq. 5) and the tanh layer of the candidate g_t (Eq. 6); their element-wise product is "
             "added to the cell state.",
    "update": "The same LSTM cell with the cell-state line highlighted from c_{t−1} to c_t: one element-wise "
              "product with f_t and one addition of i_t ⊙ g_t (Eq. 7), and no weight matrix on the way.",
    "output": "The same LSTM cell with the output path highlighted: h_{t−1} and x_t feed the σ layer of the "
              "output gate o_t (Eq. 8); c_t, squashed by tanh, is multiplied by o_t to give h_t (Eq. 9), which "
              "leaves to the right and upwards.",
}

_BLOCKS = {"f": ("σ", "(4)", "f_t"), "i": ("σ", "(5)", "i_t"), "g": ("tanh", "(6)", "g_t"), "o": ("σ", "(8)", "o_t")}


def cell(palette: dict, highlight: str = "plain") -> str:
    """The LSTM cell as SVG text, with the path ``highlight`` (a key of ``HIGHLIGHTS``) in the accent colour."""
    if highlight not in HIGHLIGHTS:
        raise ValueError(f"highlight must be one of {sorted(HIGHLIGHTS)}, got {highlight!r}")
    on = HIGHLIGHTS[highlight]
    d = Drawing(WIDTH, HEIGHT, palette, ALT[highlight])

    def role(name: str) -> str:
        return "accent" if name in on else ("text" if highlight == "plain" else "muted")

    def width(name: str) -> float:
        return 3.0 if name in on else 1.6

    def wire(name: str, points, arrow: bool = False, halo: bool = False) -> None:
        d.line(points, role(name), width(name), arrow=arrow, halo=halo)

    # the cell's outline: a frame, never highlighted
    d.rect(46, 34, 366, 220, "muted", None, 1.2, rx=12)

    # bottom: h_{t−1} and x_t merge, the bus runs right, one branch up into each box
    xs = [X_MERGE, *COLUMNS.values()]
    wire("bus_in", [(8, Y_BUS), (X_MERGE, Y_BUS)])
    wire("bus_in", [(X_MERGE, HEIGHT - 24), (X_MERGE, Y_BUS)])
    for (x0, x1), gate in zip(zip(xs, xs[1:]), COLUMNS):
        wire(f"bus_{gate}", [(x0, Y_BUS), (x1, Y_BUS)])
    for gate, x in COLUMNS.items():
        wire(f"br_{gate}", [(x, Y_BUS), (x, Y_BOX + BOX / 2)], arrow=True)

    # the gates' outputs
    top = Y_BOX - BOX / 2
    fx, ix, gx, ox = COLUMNS.values()
    wire("f_line", [(fx, top), (fx, Y_C + R)], arrow=True)
    wire("i_line", [(ix, top), (ix, Y_IG), (X_IG - R, Y_IG)], arrow=True)
    wire("g_line", [(gx, top), (gx, Y_IG), (X_IG + R, Y_IG)], arrow=True)
    wire("ig_up", [(X_IG, Y_IG - R), (X_IG, Y_C + R)], arrow=True)
    wire("o_line", [(ox + BOX / 2, Y_OUT), (X_OUT - R, Y_OUT)], arrow=True)
    # tanh(c_t), then h_t = o_t ⊙ tanh(c_t) out to the right and up
    wire("tanh_fork", [(X_OUT, Y_C), (X_OUT, Y_TANH - 13)], arrow=True)
    wire("tanh_down", [(X_OUT, Y_TANH + 13), (X_OUT, Y_OUT - R)], arrow=True)
    wire("h_out", [(X_OUT, Y_OUT + R), (X_OUT, Y_BUS), (WIDTH - 8, Y_BUS)], arrow=True)
    wire("h_out", [(X_UP, Y_BUS), (X_UP, 8)], arrow=True)

    # top: the cell state, drawn over the upward h_t (with a gap) so the crossing reads as a crossing
    wire("c_in", [(8, Y_C), (fx - R, Y_C)])
    wire("c_mid", [(fx + R, Y_C), (X_IG - R, Y_C)])
    wire("c_out", [(X_IG + R, Y_C), (X_OUT, Y_C)])
    wire("c_end", [(X_OUT, Y_C), (WIDTH - 8, Y_C)], arrow=True)
    d.line([(X_UP - 7, Y_C), (X_UP + 7, Y_C)], role("c_end"), width("c_end"), halo=True)  # the crossing

    # nodes and boxes
    d.op_node(fx, Y_C, "⊙", role("f_node"), R, width("f_node"))
    d.op_node(X_IG, Y_C, "+", role("plus"), R, width("plus"))
    d.op_node(X_IG, Y_IG, "⊙", role("ig_node"), R, width("ig_node"))
    d.op_node(X_OUT, Y_OUT, "⊙", role("o_node"), R, width("o_node"))
    d.ellipse(X_OUT, Y_TANH, 22, 13, role("tanh_c"), "bg", width("tanh_c"))
    d.text(X_OUT, Y_TANH + 5, "tanh", 14)
    for gate, (symbol, tag, _) in _BLOCKS.items():
        x = COLUMNS[gate]
        d.rect(x - BOX / 2, Y_BOX - BOX / 2, BOX, BOX, role(f"box_{gate}"), "bg", width(f"box_{gate}"))
        d.text(x, Y_BOX + 3, symbol, 20 if symbol == "σ" else 15)
        d.text(x, Y_BOX + 19, tag, 14, font="sans")

    # labels: the symbols of the equations
    d.text(8, Y_C - 9, "c_{t−1}", 18, anchor="start")
    d.text(WIDTH - 8, Y_C - 9, "c_t", 18, anchor="end")
    d.text(8, Y_BUS - 9, "h_{t−1}", 18, anchor="start")
    d.text(X_MERGE, HEIGHT - 6, "x_t", 18)
    d.text(WIDTH - 8, Y_BUS - 9, "h_t", 18, anchor="end")
    d.text(X_UP + 7, 20, "h_t", 18, anchor="start")
    d.text(fx + 7, 112, "f_t", 18, anchor="start")
    d.text(ix - 6, 148, "i_t", 18, anchor="end")
    d.text(gx + 6, 148, "g_t", 18, anchor="start")
    d.text((ox + BOX / 2 + X_OUT - R) / 2, Y_OUT - 7, "o_t", 18)
    d.text(X_IG + 14, Y_C - 9, "(7)", 14, anchor="start", font="sans")
    d.text(X_OUT + 14, Y_OUT + 17, "(9)", 14, anchor="start", font="sans")
    return d.to_svg()
