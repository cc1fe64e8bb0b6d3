"""The character model's cells: which single units of ``c_t`` and ``h_t`` follow the features of Python text.

For every unit of both layers, trained and untrained (the same seeded weights before the first
update), the Pearson correlation with each feature of :mod:`lstm_book.features` is measured on the
validation files and on the test files (:func:`lstm_book.probes.unit_correlations`). A feature's
*best unit* is chosen on the validation files and reported on the test files, so the number on the
page is not the maximum of a thousand noisy correlations picked on the text it is reported on.
The counts of units with |r| ≥ 0.5 and ≥ 0.8 are taken on the test files. The best units are shown
as text coloured by their value on an excerpt of a test file chosen by hand before training, and
exported with the trained model (:func:`export`) for the page's typer, which colours the reader's text.
"""

from __future__ import annotations

import numpy as np
import torch

from lstm_book import corpus, lm, probes
from lstm_book.book import web_export, figures
from lstm_book.features import FEATURES, python_features
from lstm_book.book.pipeline.interface import FigureOutput, Fragment, Output
from lstm_book.book.pipeline.tables import coloured_text, table
from lstm_book.book.experiments.charlm import lm_figures

LABELS = {"in_string": "inside a string", "in_comment": "inside a comment", "bracket_depth": "bracket depth",
          "indentation": "indentation", "column": "column"}
THRESHOLDS = (0.5, 0.8)
STATES = {"trained": ("after training", figures.LSTM_COLOUR), "untrained": ("before training (same seed)", figures.REFERENCE_COLOUR)}


def stream_features(stream: corpus.Stream, texts: dict[str, str]) -> dict[str, np.ndarray]:
    """The features of every character of a stream, each file's computed on the whole file (then cut)."""
    parts = [python_features(texts[name]) for name, _, _ in stream.files]
    return {f: np.concatenate([p[f][: e - s] for p, (_, s, e) in zip(parts, stream.files)]) for f in FEATURES}


def excerpt_positions(stream: corpus.Stream, texts: dict[str, str], where: tuple[str, int, int]) -> np.ndarray:
    """Stream positions of lines ``first`` … ``last`` (1-based, inclusive) of one file of the stream."""
    name, first, last = where
    starts = {n: s for n, s, _ in stream.files}
    if name not in starts:
        raise ValueError(f"the excerpt's file {name} is not among the held-out files read")
    lines = texts[name].split("\n")
    lo = sum(len(line) + 1 for line in lines[: first - 1])
    hi = lo + sum(len(line) + 1 for line in lines[first - 1 : last])
    return np.arange(starts[name] + lo, min(starts[name] + hi, len(stream)))


def unit_name(u: int, hidden_size: int) -> dict:
    """Unit ``u`` of :func:`lstm_book.probes.unit_correlations`: its layer (from 1), state and index."""
    return {"unit": int(u), "layer": u // (2 * hidden_size) + 1, "state": "ch"[u // hidden_size % 2],
            "index": int(u % hidden_size)}


def correlations(model, text: dict[str, corpus.Stream], feats: dict, lanes: int, keep=None):
    """Every unit's r with every feature on the validation and on the test files (and its values at ``keep``)."""
    r_val = probes.unit_correlations(model, text["validation"].ids, feats["validation"], lanes)[0]
    r_test, kept = probes.unit_correlations(model, text["test"].ids, feats["test"], lanes, keep=keep)
    return r_val, r_test, kept


def best_unit(r_val: np.ndarray) -> int:
    """The unit with the largest |r| on the validation files (a unit that never changes has none)."""
    return int(np.argmax(np.nan_to_num(np.abs(r_val), nan=-1.0)))


def best_r(model, text: dict[str, corpus.Stream], feats: dict, lanes: int) -> dict[str, float]:
    """Each feature's best unit, chosen on the validation files: its r on the test files (the width sweep's)."""
    r_val, r_test, _ = correlations(model, text, feats, lanes)
    return {f: float(r_test[f][best_unit(r_val[f])]) for f in FEATURES}


@torch.no_grad()
def unit_scales(model, ids: np.ndarray, units: list[int], hidden_size: int, lanes: int) -> list[float]:
    """Each unit's fixed colour scale: the 99th percentile of its |value| over a text (the validation files)."""
    values = [[] for _ in units]
    for pos, _, gates in lm.read(model, ids, lanes, gates=True):
        valid = pos >= 0
        for k, u in enumerate(units):
            n = unit_name(u, hidden_size)
            values[k].append(np.abs(gates[n["state"]][n["layer"] - 1][..., n["index"]].numpy()[valid]))
    return [max(float(np.percentile(np.concatenate(v), 99)), 1e-6) for v in values]


def measure(b, spec, model, text: dict[str, corpus.Stream], feats: dict, texts: dict[str, str], lanes: int) -> dict:
    """The ``cells`` entry of the charlm section: best units, correlations and counts, trained and untrained."""
    keep = excerpt_positions(text["test"], texts, b.excerpt)
    out = {"hidden_size": spec.hidden_size, "layers": spec.num_layers, "excerpt": {
        "file": b.excerpt[0], "lines": list(b.excerpt[1:]), "text": text["test"].text[keep[0] : keep[-1] + 1]},
        "scale_from": "the 99th percentile of the unit's |value| over the validation files"}
    for state, m in (("trained", model), ("untrained", spec.build())):
        r_val, r_test, kept = correlations(m, text, feats, lanes, keep)
        best = {f: best_unit(r_val[f]) for f in FEATURES}
        chosen = sorted(set(best.values()))
        scales = dict(zip(chosen, unit_scales(m, text["validation"].ids, chosen, spec.hidden_size, lanes)))
        entry = {}
        for f in FEATURES:
            u, top = best[f], np.abs(np.nan_to_num(r_test[f]))
            sign = float(np.sign(r_val[f][u]) or 1.0)
            values = np.clip(kept[:, u] * sign / scales[u], -1.0, 1.0)  # the unit's fixed scale, not the excerpt's
            entry[f] = {"best": unit_name(u, spec.hidden_size), "sign": int(sign), "r_validation": float(r_val[f][u]),
                        "r_test": float(r_test[f][u]), "max_abs_r_test": float(top.max()), "scale": round(scales[u], 5),
                        "shared_with": [g for g in FEATURES if g != f and best[g] == u],
                        **{f"units_ge_{t}": int((top >= t).sum()) for t in THRESHOLDS},
                        "r_test_all": [None if np.isnan(x) else round(float(x), 4) for x in r_test[f]],
                        "excerpt_values": [round(float(v), 3) for v in values]}
        out[state] = entry
    return out


def shared(entry: dict) -> str:
    """`` — the same unit as *bracket depth*`` when another feature's best unit is this one."""
    others = entry.get("shared_with", [])
    return f" — the same unit as {' and '.join(f'<em>{LABELS[g]}</em>' for g in others)}" if others else ""


def symbol(best: dict) -> str:
    """``layer 2 c₁₇`` for unit 17 of layer 2's cell state."""
    return f"layer {best['layer']} {best['state']}<sub>{best['index']}</sub>"


def render(c: dict) -> list[Output]:
    tr, un = c["trained"], c["untrained"]
    U = 2 * c["layers"] * c["hidden_size"]
    rows = [(LABELS[f], symbol(tr[f]["best"]) + shared(tr[f]).replace(" — the same unit as", ", also"), f"{tr[f]['r_validation']:+.2f}", f"**{tr[f]['r_test']:+.2f}**",
             f"{tr[f]['units_ge_0.5']} / {tr[f]['units_ge_0.8']}", f"{un[f]['r_test']:+.2f}",
             f"{un[f]['units_ge_0.5']} / {un[f]['units_ge_0.8']}") for f in FEATURES]
    cell_table = table(["feature", "best unit", "r, validation", "r, test", f"units with \\|r\\| ≥ 0.5 / ≥ 0.8 (of {U})",
                        "untrained: r, test", "untrained: units ≥ 0.5 / ≥ 0.8"], rows, "llrrrrr")
    ex = c["excerpt"]
    blocks = [f"*Lines {ex['lines'][0]}–{ex['lines'][1]} of `{ex['file']}`, a test file. Vermillion: the unit is "
              "high, in the direction of its correlation with the feature; blue: low (as the cell state is drawn on "
              "every page of the book); each unit on a fixed scale, ± the 99th percentile of its |value| over the "
              "validation files, so a pale excerpt is a unit that stays near zero here.*"]
    for f in FEATURES:
        parts = [f'<div class="charlm-cells"><p class="charlm-label"><strong>{LABELS[f]}</strong></p>']
        e, u = c["trained"][f], c["untrained"][f]
        parts.append(f'<p class="charlm-label">{STATES["trained"][0]}: {symbol(e["best"])}, r = {e["r_test"]:+.2f} '
                     f'on the test files{shared(e)}</p><div class="charlm-text">'
                     f'{coloured_text(c["excerpt"]["text"], e["excerpt_values"])}</div>')
        parts.append(f'<details class="charlm-untrained"><summary>{STATES["untrained"][0]}: {symbol(u["best"])}, '
                     f'r = {u["r_test"]:+.2f}{shared(u)}</summary><div class="charlm-text">'
                     f'{coloured_text(c["excerpt"]["text"], u["excerpt_values"])}</div></details>')
        blocks.append("".join(parts) + "</div>")
    panels = {LABELS[f]: {STATES[s][0]: (STATES[s][1], c[s][f]["r_test_all"]) for s in STATES} for f in FEATURES}
    config = {"excerpt": c["excerpt"]["file"], "lines": c["excerpt"]["lines"], "units": U}
    strong = {state: [LABELS[f] for f in FEATURES if abs(c[state][f]["r_test"]) >= THRESHOLDS[1]] for state in STATES}
    summary = (f"After training, {len(strong['trained'])} of the {len(FEATURES)} features "
               f"{'has' if len(strong['trained']) == 1 else 'have'} a unit (chosen on the "
               f"validation files) that follows them with |r| ≥ {THRESHOLDS[1]} on the test files"
               + (f": {', '.join(strong['trained'])}" if strong["trained"] else "")
               + f". Before training, with the same seed, {len(strong['untrained'])} did"
               + (f" ({', '.join(strong['untrained'])})" if strong["untrained"] else "") + ".")
    groups = {}
    for f in FEATURES:
        groups.setdefault(symbol(tr[f]["best"]), []).append(f"*{LABELS[f]}*")
    twins = [f"{' and '.join(names)} share one best unit, {unit}" for unit, names in groups.items() if len(names) > 1]
    summary += (" After training, " + "; ".join(twins) + ": one unit answers for both, so the excerpts and the "
                "typer colour them alike." if twins else " After training, every feature has a unit of its own.")
    return [Fragment("charlm_cell_table", cell_table), Fragment("charlm_cell_summary", summary),
            Fragment("charlm_cells", "\n\n".join(blocks)),
            FigureOutput("charlm_units.svg", lm_figures.correlation_histograms(panels), config)]


def export(model: lm.CharLM, r: dict, name: str, state: str = "trained") -> dict:
    """The typer's file (:func:`lstm_book.book.web_export.export_charlm`): the LSTM after training (or, with
    ``state="untrained"``, the same seeded weights before it), each feature's best unit for that model with the
    sign of its correlation and its fixed colour scale (chosen on the validation files, as on the page), and the
    excerpt."""
    c = r["cells"]
    units = [{"label": LABELS[f], **{k: c[state][f]["best"][k] for k in ("layer", "state", "index")},
              "sign": c[state][f]["sign"], "r": round(c[state][f]["r_test"], 4), "scale": c[state][f]["scale"]}
             for f in FEATURES]
    meta = {"model": name, "state": state, "seed": r["config"]["lstm"]["seed"],
            "steps": r["config"]["lstm"]["steps"] if state == "trained" else 0,
            "test_bpc": round(r["bpc"]["test"]["lstm"], 4) if state == "trained" else None, "torch": torch.__version__,
            "units_from": "each feature's best unit on the validation files (r on the test files)",
            "scale_from": c["scale_from"]}
    return web_export.export_charlm(model, units, c["excerpt"]["text"], meta)
