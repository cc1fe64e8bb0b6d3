"""Seq2Seq on the digit-reversal task: the encoder's state handed to the decoder, in two panels.

Both panels draw the same encoder reading the source and handing over its final (h, c); they differ
in where the decoder's inputs come from, which is the accent-coloured path: under teacher forcing
(training) the inputs are BOS followed by the target shifted right; under greedy decoding
(inference) each input is the decoder's own previous argmax.
"""

from __future__ import annotations

from lstm_book.book.experiments.diagrams.svg import Drawing

WIDTH, HEIGHT = 440, 214
SOURCE = (3, 1, 4)  # an example source string; the target is its reversal followed by EOS
ENC_XS = (34, 86, 138)
DEC_XS = (230, 284, 338, 392)
Y_OUT, Y_BOX, Y_IN = 46, 104, 170
BOX_W, BOX_H = 38, 32

ALT = {
    "teacher": "Seq2Seq under teacher forcing: the encoder reads the source digits 3 1 4 and hands its final "
               "state (h, c) to the decoder. The decoder's inputs are BOS followed by the target shifted right "
               "(BOS 4 1), so at every step it reads the true previous token, and its outputs 4 1 3 EOS are "
               "scored against the target.",
    "greedy": "Seq2Seq under greedy decoding: the same encoder hands its final state (h, c) to the decoder, which "
              "starts from BOS and then reads its own previous output: each step's argmax token is fed back as "
              "the next step's input, until it writes EOS.",
}


def _tok(d: Drawing, x: float, y: float, token: str) -> None:
    if token.isdigit():
        d.text(x, y, token, 17)
    else:
        d.text(x, y, token, 14, font="sans")


def seq2seq(palette: dict, mode: str = "teacher") -> str:
    """One panel as SVG text: ``mode`` is "teacher" (teacher forcing) or "greedy" (greedy decoding)."""
    if mode not in ALT:
        raise ValueError(f"mode must be 'teacher' or 'greedy', got {mode!r}")
    d = Drawing(WIDTH, HEIGHT, palette, ALT[mode])
    target = [str(s) for s in reversed(SOURCE)] + ["EOS"]
    inputs = ["BOS", *target[:-1]]
    title = "teacher forcing (training)" if mode == "teacher" else "greedy decoding (inference)"
    d.text(8, 18, title, 14, font="sans", weight="bold", anchor="start")
    top, bottom = Y_BOX - BOX_H / 2, Y_BOX + BOX_H / 2
    # encoder
    d.text(ENC_XS[1], top - 14, "encoder", 14, font="sans")
    for k, x in enumerate(ENC_XS):
        if k + 1 < len(ENC_XS):
            d.line([(x + BOX_W / 2, Y_BOX), (ENC_XS[k + 1] - BOX_W / 2, Y_BOX)], arrow=True)
        d.line([(x, Y_IN - 18), (x, bottom)], arrow=True)
        _tok(d, x, Y_IN, str(SOURCE[k]))
    # the handover: the encoder's final (h, c) is the decoder's initial state
    d.line([(ENC_XS[-1] + BOX_W / 2, Y_BOX), (DEC_XS[0] - BOX_W / 2, Y_BOX)], width=2.6, arrow=True)
    d.text((ENC_XS[-1] + DEC_XS[0]) / 2, Y_BOX - 9, "(h, c)", 15)
    # decoder
    for k, x in enumerate(DEC_XS):
        if k + 1 < len(DEC_XS):
            d.line([(x + BOX_W / 2, Y_BOX), (DEC_XS[k + 1] - BOX_W / 2, Y_BOX)], arrow=True)
        d.line([(x, top), (x, Y_OUT + 8)], arrow=True)
        _tok(d, x, Y_OUT, target[k])
        feed = "accent" if k or mode == "teacher" else "text"
        d.line([(x, Y_IN - 18), (x, bottom)], feed, 2.6 if feed == "accent" else 1.6, arrow=True)
        _tok(d, x, Y_IN, inputs[k])
        if mode == "greedy" and k + 1 < len(DEC_XS):  # the argmax fed back as the next input
            gap = (x + DEC_XS[k + 1]) / 2  # down between the two boxes, then into the next input
            d.line([(x + 13, Y_OUT - 6), (gap, Y_OUT - 6), (gap, Y_IN - 6), (DEC_XS[k + 1] - 9, Y_IN - 6)],
                   "accent", 2.2, arrow=True)
    for x in (*ENC_XS, *DEC_XS):
        d.rect(x - BOX_W / 2, top, BOX_W, BOX_H, rx=4)
        d.text(x, Y_BOX + 4.5, "enc" if x in ENC_XS else "dec", 14, font="sans")
    if mode == "teacher":
        d.text(DEC_XS[0] - 24, Y_OUT + 4, "scored against the target:", 14, font="sans", anchor="end")
        d.text(WIDTH - 8, HEIGHT - 10, "decoder inputs: BOS + the target shifted right", 14, font="sans",
               anchor="end")
    else:
        d.text(DEC_XS[0] - 24, Y_OUT + 4, "argmax of each step:", 14, font="sans", anchor="end")
        d.text(WIDTH - 8, HEIGHT - 10, "decoder inputs: BOS, then its own previous argmax", 14, font="sans",
               anchor="end")
    return d.to_svg()
