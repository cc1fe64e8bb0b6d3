"""A 2-layer bidirectional LSTM over four steps: where ``output`` and ``h_n``/``c_n`` come from.

Each box is one layer at one position, split in two: the forward direction (top half, its state
passed to the right) and the reverse direction (bottom half, passed to the left). Both halves read
the same input from below, and what leaves a box upwards is the two directions concatenated. The
accent colour marks where ``h_n`` and ``c_n`` are read, index ``layer · D + direction``.
"""

from __future__ import annotations

from lstm_book.book.experiments.diagrams.svg import Drawing

WIDTH, HEIGHT = 440, 384
XS = (128, 200, 272, 344)  # t = 0 … 3
HALF_W, HALF_H = 20, 22
LAYER_Y = {1: 92, 0: 192}  # centre of each layer's row
Y_IN = 262

ALT = (r"A two-layer bidirectional LSTM unrolled over four positions t = 0 to 3. Each layer has a forward "
       r"direction passing its state to the right and a reverse direction passing it to the left; both read the "
       r"same input, x_t for layer 0 and layer 0's two directions concatenated for layer 1. output[t] is layer "
       r"1's two directions concatenated, at every position. h\_n and c\_n hold one final state per layer and "
       r"direction, index layer·2 + direction: the forward states are read at t = 3 (h\_n[0], h\_n[2]) and the "
       r"reverse states at t = 0 (h\_n[1], h\_n[3]). So output[−1] holds h\_n[2] in its first half, but its "
       r"second half is the reverse direction after a single step, not h\_n[3], which equals output[0]'s second half.")


def stacking(palette: dict) -> str:
    """The 2-layer bidirectional LSTM diagram as SVG text."""
    d = Drawing(WIDTH, HEIGHT, palette, ALT)
    last = len(XS) - 1
    for layer, y in LAYER_Y.items():
        top, mid, bottom = y - HALF_H, y, y + HALF_H
        fy, ry = y - HALF_H / 2, y + HALF_H / 2  # forward and reverse rows
        for k, x in enumerate(XS):
            if k < last:
                d.line([(x + HALF_W, fy), (XS[k + 1] - HALF_W, fy)], arrow=True)
                d.line([(XS[k + 1] - HALF_W, ry), (x + HALF_W, ry)], arrow=True)
            src = Y_IN - 18 if layer == 0 else LAYER_Y[0] - HALF_H
            d.line([(x, src), (x, bottom)], arrow=True)  # the input: x_t, or layer 0's [→; ←]
        for k, x in enumerate(XS):
            d.rect(x - HALF_W, top, 2 * HALF_W, 2 * HALF_H, rx=4)
            d.line([(x - HALF_W, mid), (x + HALF_W, mid)], width=1)
            d.text(x, fy + 5, "→", 14, font="sans")
            d.text(x, ry + 5, "←", 14, font="sans")
        # the final states: forward at t = T − 1 (right), reverse at t = 0 (left)
        d.line([(XS[-1] + HALF_W, fy), (XS[-1] + HALF_W + 16, fy)], "accent", 2.6, arrow=True)
        d.text(XS[-1] + HALF_W + 20, fy + 4.5, f"h_n[{2 * layer}]", 14, font="mono", anchor="start")
        d.line([(XS[0] - HALF_W, ry), (XS[0] - HALF_W - 16, ry)], "accent", 2.6, arrow=True)
        d.text(XS[0] - HALF_W - 20, ry + 4.5, f"h_n[{2 * layer + 1}]", 14, font="mono", anchor="end")
        d.text(8, fy + 4.5, f"layer {layer}", 14, font="sans", weight="bold", anchor="start")
    d.text(8, 26, "output", 14, font="mono", anchor="start")
    for k, x in enumerate(XS):
        d.line([(x, LAYER_Y[1] - HALF_H), (x, 36)], arrow=True)
        d.text(x, 26, f"[{k}]", 14, font="mono")
        d.text(x, Y_IN, f"x_{k}", 16)
    notes = [r"h\_n[layer·2 + direction], c\_n alike:", "→ read at t = 3, ← read at t = 0.",
             "output[t] = layer 1's [→ ; ←] at every t, so",
             r"output[−1] starts with h\_n[2] but ends with ←",
             r"after one step; h\_n[3] is the end of output[0]."]
    for k, note in enumerate(notes):
        d.text(8, Y_IN + 30 + 20 * k, note, 14, font="sans", anchor="start")
    return d.to_svg()
