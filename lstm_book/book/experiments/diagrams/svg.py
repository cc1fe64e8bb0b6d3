"""A small SVG writer: lines, arrows, boxes, circles and text with real sub- and superscripts.

Shapes are drawn with colour roles (see ``palette``) and written with fixed number formatting, so
the same drawing gives the same bytes. Text markup, for the symbols of the equations:
``"c_{t−1}"`` (subscript), ``"h_t^2"`` (superscript), single characters need no braces, and
``"h\\_n"`` is a literal underscore. In the ``"math"`` font single letters are italic and words of three
or more letters (tanh, diag) upright, as in the equations; ``"sans"`` is for prose and ``"mono"`` for
PyTorch names (taken literally).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from xml.sax.saxutils import escape

from lstm_book.book.palette import MIN_FONT, MONO, SANS, SERIF

Point = tuple[float, float]
FONTS = {"math": SERIF, "sans": SANS, "mono": MONO}
SUB_SCALE, SUB_SHIFT, SUP_SHIFT = 0.74, 0.28, -0.42  # size and baseline shift (in em of the base size)


def num(v: float) -> str:
    """A coordinate as short fixed text: at most two decimals, no trailing zeros (deterministic)."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _runs(markup: str) -> Iterator[tuple[str, int]]:
    """Split markup into (text, level) runs: level 0 on the baseline, −1 subscript, +1 superscript."""
    i, buf = 0, ""
    while i < len(markup):
        ch = markup[i]
        if ch == "\\" and i + 1 < len(markup):  # an escaped character is taken literally: "h\\_n"
            buf += markup[i + 1]
            i += 2
            continue
        if ch in "_^" and i + 1 < len(markup):
            if buf:
                yield buf, 0
                buf = ""
            level = -1 if ch == "_" else 1
            if markup[i + 1] == "{":
                j = markup.index("}", i + 2)
                yield markup[i + 2:j], level
                i = j + 1
            else:
                yield markup[i + 1], level
                i += 2
            continue
        buf += ch
        i += 1
    if buf:
        yield buf, 0


def _italic_pieces(text: str) -> Iterator[tuple[str, bool]]:
    """Split math text into (piece, italic): single letters and letter pairs italic, longer words upright."""
    piece, letters = "", False
    for ch in text:
        is_letter = ch.isalpha()
        if piece and is_letter != letters:
            yield piece, letters and len(piece) <= 2
            piece = ""
        piece += ch
        letters = is_letter
    if piece:
        yield piece, letters and len(piece) <= 2


_SUB = str.maketrans("0123456789+−-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+−-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻")


def plain(markup: str) -> str:
    """Markup as plain Unicode, for alt text: ``"c_{t−1}"`` → ``"cₜ₋₁"``, ``"h\\_n"`` → ``"h_n"``."""
    return "".join(text if level == 0 else text.translate(_SUB if level < 0 else _SUP)
                   for text, level in _runs(markup))


class Drawing:
    """One SVG picture of ``width`` × ``height`` user units, drawn in one palette.

    Args:
        width, height: the viewBox (and the size at which the picture is shown on a wide screen).
        palette: colour role → colour (``palette.LIGHT`` or ``palette.DARK``).
        title: what the picture shows, for screen readers (the ``<title>`` element), in markup: it is
            written as plain Unicode (:func:`plain`), the same text as the page's alt text.
    """

    def __init__(self, width: float, height: float, palette: dict, title: str):
        self.width, self.height, self.palette, self.title = width, height, palette, plain(title)
        self.items: list[str] = []

    def _stroke(self, role: str, width: float, dash: Sequence[float] | None) -> str:
        s = f'stroke="{self.palette[role]}" stroke-width="{num(width)}"'
        if dash:
            s += f' stroke-dasharray="{" ".join(num(d) for d in dash)}"'
        return s

    def line(self, points: Sequence[Point], role: str = "text", width: float = 1.6,
             dash: Sequence[float] | None = None, arrow: bool = False, halo: bool = False) -> None:
        """A polyline through ``points``; ``arrow`` puts an arrowhead at the last point; ``halo`` first
        draws a wide background-coloured stroke, so that the line visibly passes *over* another."""
        pts = list(points)
        if arrow:  # stop the shaft short of the tip so its end does not poke through the head
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            d = math.hypot(x1 - x0, y1 - y0)
            back = min(4.0 + width, d)
            pts[-1] = (x1 - (x1 - x0) * back / d, y1 - (y1 - y0) * back / d)
        coords = " ".join(f"{num(x)},{num(y)}" for x, y in pts)
        if halo:
            self.items.append(f'<polyline points="{coords}" fill="none" stroke="{self.palette["bg"]}" '
                              f'stroke-width="{num(width + 6)}"/>')
        self.items.append(f'<polyline points="{coords}" fill="none" {self._stroke(role, width, dash)} '
                          f'stroke-linejoin="round"/>')
        if arrow:
            self.arrowhead(points[-1], points[-2], role, width)

    def curve(self, start: Point, c1: Point, c2: Point, end: Point, role: str = "text", width: float = 1.6,
              dash: Sequence[float] | None = None, arrow: bool = False) -> None:
        """A cubic Bézier from ``start`` to ``end``; ``arrow`` puts an arrowhead at ``end``."""
        d = f"M{num(start[0])},{num(start[1])} C{num(c1[0])},{num(c1[1])} {num(c2[0])},{num(c2[1])} " \
            f"{num(end[0])},{num(end[1])}"
        self.items.append(f'<path d="{d}" fill="none" {self._stroke(role, width, dash)}/>')
        if arrow:
            self.arrowhead(end, c2, role, width)

    def arrowhead(self, tip: Point, towards_from: Point, role: str = "text", width: float = 1.6) -> None:
        """A filled triangular head at ``tip``, pointing away from ``towards_from``."""
        (x1, y1), (x0, y0) = tip, towards_from
        d = math.hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        length, half = 7.0 + 1.5 * width, 3.5 + 0.8 * width
        bx, by = x1 - ux * length, y1 - uy * length
        pts = [(x1, y1), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]
        coords = " ".join(f"{num(x)},{num(y)}" for x, y in pts)
        self.items.append(f'<polygon points="{coords}" fill="{self.palette[role]}"/>')

    def rect(self, x: float, y: float, w: float, h: float, role: str = "text", fill: str | None = "bg",
             width: float = 1.6, rx: float = 4, dash: Sequence[float] | None = None, opacity: float | None = None) -> None:
        """A box with top-left corner (x, y); ``role`` colours the outline (None: no outline), ``fill`` the inside."""
        fill_attr = "none" if fill is None else self.palette[fill]
        stroke = "" if role is None else " " + self._stroke(role, width, dash)
        op = "" if opacity is None else f' fill-opacity="{num(opacity)}"'
        self.items.append(f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" rx="{num(rx)}" '
                          f'fill="{fill_attr}"{op}{stroke}/>')

    def circle(self, cx: float, cy: float, r: float, role: str = "text", fill: str | None = "bg",
               width: float = 1.6) -> None:
        fill_attr = "none" if fill is None else self.palette[fill]
        self.items.append(f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}" fill="{fill_attr}" '
                          f'{self._stroke(role, width, None)}/>')

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, role: str = "text", fill: str | None = "bg",
                width: float = 1.6) -> None:
        fill_attr = "none" if fill is None else self.palette[fill]
        self.items.append(f'<ellipse cx="{num(cx)}" cy="{num(cy)}" rx="{num(rx)}" ry="{num(ry)}" '
                          f'fill="{fill_attr}" {self._stroke(role, width, None)}/>')

    def op_node(self, cx: float, cy: float, op: str, role: str = "text", r: float = 10, width: float = 1.6) -> None:
        """A pointwise operation: ⊙ (element-wise product, a circle with a dot) or + (a circle with a cross).

        Drawn as shapes rather than glyphs, so they look the same whichever fonts the reader has."""
        self.circle(cx, cy, r, role, "bg", width)
        if op == "⊙":
            self.items.append(f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(2.2 + width / 2)}" '
                              f'fill="{self.palette[role]}"/>')
        elif op == "+":
            a = r * 0.55
            self.line([(cx - a, cy), (cx + a, cy)], role, width)
            self.line([(cx, cy - a), (cx, cy + a)], role, width)
        else:
            raise ValueError(f"op must be '⊙' or '+', got {op!r}")

    def text(self, x: float, y: float, markup: str, size: float = 16, role: str = "text", anchor: str = "middle",
             font: str = "math", weight: str | None = None) -> None:
        """Text with its baseline at ``y``; ``anchor`` is start, middle or end (of the whole text, tspans included)."""
        if size < MIN_FONT:
            raise ValueError(f"font size {size} is below the minimum {MIN_FONT}")
        attrs = (f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}" font-family="{escape(FONTS[font], {chr(39): "&apos;"})}" '
                 f'text-anchor="{anchor}" fill="{self.palette[role]}"')
        if weight:
            attrs += f' font-weight="{weight}"'
        if font == "mono":
            self.items.append(f"<text {attrs}>{escape(markup)}</text>")
            return
        sub_size = max(MIN_FONT, round(size * SUB_SCALE * 2) / 2)
        spans, offset = [], 0.0
        for chunk, level in _runs(markup):
            target = {0: 0.0, -1: SUB_SHIFT * size, 1: SUP_SHIFT * size}[level]
            for k, (piece, italic) in enumerate(_italic_pieces(chunk) if font == "math" else [(chunk, False)]):
                span_attrs = ""
                if k == 0 and target != offset:
                    span_attrs += f' dy="{num(target - offset)}"'
                    offset = target
                if level:
                    span_attrs += f' font-size="{num(sub_size)}"'
                if italic:
                    span_attrs += ' font-style="italic"'
                spans.append(f"<tspan{span_attrs}>{escape(piece)}</tspan>" if span_attrs else escape(piece))
        self.items.append(f"<text {attrs}>{''.join(spans)}</text>")

    def to_svg(self) -> str:
        """The finished SVG document (UTF-8 text, one element per line)."""
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(self.width)} {num(self.height)}" '
                f'width="{num(self.width)}" height="{num(self.height)}" role="img">')
        return "\n".join([head, f"<title>{escape(self.title)}</title>", *self.items, "</svg>"]) + "\n"
