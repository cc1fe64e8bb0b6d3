"""The claims ledger: the article's numbers and claims against our measurements, with computed verdicts.

It trains nothing and reads the other experiments only through their ``results.json`` sections.
The rules that turn measurements into verdicts are the functions between the ``rules`` markers;
the page "Reproducing the article" shows them by including this code.
"""

from __future__ import annotations

from .. import tasks
from . import article, param_search
from .core import Fragment, Output, Setting, UserError
from .inits import Init
from .markdown import pct, percent, subscript, table

NAME = "claims"
DEFAULT = True
NEEDS = {"flagship": "flagship", "ablation": "ablation", "gradients": "gradients", "gates": "gates",
         "length_sweep": "length"}  # results.json section -> the experiment that writes it


def specs(setting: Setting) -> list:
    return []


# --8<-- [start:rules]
def gradients_survive(init_ratio: float, flagship_final: list[float], best_at_200: float) -> str:
    """The first window's input gradient within 3 orders of magnitude of the last input's at initialisation,
    the flagship solving T = 100 in every seed, and the length sweep solving T = 200."""
    survive = init_ratio > 1e-3 and min(flagship_final) >= 0.99
    return "partly" if survive and best_at_200 < 0.99 else ("supported" if survive else "not supported")


def bias_one_helps(solved: dict[str, int], best: dict[str, float], flagship_key: str, sequences: int) -> str:
    """More bias-1 seeds than bias-0 seeds solve within the ablation's budget; "partly" if bias 1 only reaches
    a clearly higher best accuracy."""
    if solved["1"] > solved["0"]:
        verdict = "supported"
    elif best["1"] > best["0"] + 0.05:
        verdict = "partly"
    else:
        verdict = f"not supported within {sequences:,} sequences"
    return verdict + ("; larger biases and chrono help far more" if max(solved["2"], solved[flagship_key]) > solved["1"]
                      else "")


def gates_cluster(forget_means: list[dict]) -> str:
    """Mean forget gate ≥ 0.9 at the informative positions and ≤ 0.1 at the distractors, in every layer."""
    near1 = all(s["informative"] >= 0.9 for s in forget_means)
    drop0 = all(s["distractor"] <= 0.1 for s in forget_means)
    return "supported" if near1 and drop0 else ("partly" if near1 or drop0 else "not supported")


def rnn_fails(rnn_max: float, rnn_best_shortest: float) -> str:
    """The RNN stays ≤ 30% at T = 100 in every epoch and seed, and does not solve even the sweep's shortest T."""
    if rnn_max <= 0.30:
        return "supported" if rnn_best_shortest < 0.99 else "partly"
    return "not supported"


def hundreds_of_steps(longest_chrono: int, lengths: list[int]) -> str:
    """The chrono LSTM solves the frontier's longest length in at least one seed; "partly" for the longest
    length below a thousand."""
    hundreds = [T for T in lengths if 100 < T < 1000]
    if longest_chrono >= max(lengths):
        return "supported"
    if longest_chrono >= max(hundreds, default=max(lengths)):
        return "partly: hundreds of steps yes, a thousand not on our budget"
    return "not supported"


def bias_trick_needed(longest: dict[str, int]) -> str:
    """Forget bias 1 solves a longer length than torch's default (in at least one seed)."""
    verdict = "supported" if longest["1"] > longest["torch"] else \
        "not supported: bias 1 reached no further than torch's default"
    return verdict + ("; a constant bias does not scale, chrono does"
                      if longest["chrono"] > max(longest["1"], longest["3"]) else "")


def separate_cell_state_needed(longest_lstm: int, longest_gru: int) -> str:
    """The GRU, which has no separate cell state (its h_t is itself updated additively, Eq. 20), solves no
    length as long as the LSTM's longest (both with chrono initialisation)."""
    if not longest_lstm:
        return "not decided: the LSTM solved not even the shortest length"
    if longest_gru >= longest_lstm:
        return "not supported: the GRU, with no separate cell state, reaches as far; the gated additive update is what matters"
    return "supported" if longest_gru < min(longest_lstm, 200) else "partly: the GRU also learns lags of hundreds of steps"
# --8<-- [end:rules]


def longest_solved(cells: dict) -> int:
    """The longest T at which a configuration solved at least one seed (0: not even the shortest)."""
    return max([int(T) for T, cell in cells.items() if cell["run"] and cell["solved"]], default=0)


def core_rows(r: dict) -> list[tuple[str, str, str]]:
    flag, abl, abl_cfg, grads, gates, length = (r["flagship"], r["ablation"], r["ablation_config"], r["gradients"],
                                                 r["gates"], r["length_sweep"])
    key = flag["init"]
    lstm_grad, rnn_grad = grads["inputs"][key], grads["inputs"]["rnn"]
    early, last = subscript(grads["early"]), subscript(grads["last"])
    best_200 = length.get("200", {}).get("lstm", {}).get("best", 0.0)
    solved = {k: sum(e is not None for e in v["first_epoch_99"]) for k, v in abl.items()}
    best = {k: max(v["best"]) for k, v in abl.items()}
    n = len(abl["1"]["acc_at_budget"])
    gate_means = gates["position_means"]
    shortest = min(length, key=int)
    rnn_short = length[shortest]["rnn"]["best"]
    by5, ours = flag["lstm_acc_epoch5"], flag["params"]["total"]
    search = r["parameter_search"]
    nat = search["natural"]
    chance = percent(tasks.TEMPORAL_ORDER_CHANCE)
    return [
        ("Gradients survive across hundreds of time steps.",
         f"‖∂L/∂x{early}‖/‖∂L/∂x{last}‖ at initialisation: LSTM ({key}) {lstm_grad['init_ratio']:.2g}, "
         f"RNN {rnn_grad['init_ratio']:.2g}; after training LSTM {lstm_grad['trained_ratio']:.2g}. "
         f"Best LSTM accuracy at T = 200: {pct(best_200)}.",
         gradients_survive(lstm_grad["init_ratio"], flag["lstm_final_acc"], best_200)),
        ("Initialising the forget-gate bias to 1.0 helps early training.",
         f"Seeds at ≥ 99% test accuracy within {abl_cfg['epochs']} epochs ({abl_cfg['sequences']:,} sequences): "
         + "; ".join(f"{Init.parse(k).symbol}: {solved[k]} of {n}" for k in abl)
         + f". Best accuracy, b_f = 0: {', '.join(pct(a) for a in abl['0']['best'])}; b_f = 1: "
         f"{', '.join(pct(a) for a in abl['1']['best'])}.",
         bias_one_helps(solved, best, key, abl_cfg["sequences"])),
        ("Forget gates cluster near 1.0 at informative positions and drop toward 0 at irrelevant ones.",
         "; ".join(f"{layer}: mean f {s['f']['informative']:.2f} at X/Y vs {s['f']['distractor']:.2f} at distractors"
                   for layer, s in gate_means.items()) + ".",
         gates_cluster([s["f"] for s in gate_means.values()])),
        ("Vanilla RNNs cannot learn long-range dependencies.",
         f"Same-size RNN: at most {pct(flag['rnn_max_test_acc'])} at T = {flag['config']['seq_len']} in any epoch "
         f"and seed (chance {chance}); best {pct(rnn_short)} at T = {shortest}.",
         rnn_fails(flag["rnn_max_test_acc"], rnn_short)),
        (f"The 2-layer, 64-unit LSTM has {article.PARAMS:,} parameters.",
         f"Ours (embedding {flag['config']['embed_dim']}, unidirectional) has {ours:,}. "
         f"{len(nat)} round-number configurations give exactly {article.PARAMS:,} (table below); "
         "all are bidirectional or have wide inputs." if nat and all(h['bidirectional'] or h['input_size'] >= 128
                                                                      for h in nat)
         else f"Ours has {ours:,}; {len(search['hits'])} combinations give exactly {article.PARAMS:,}.",
         "not as a unidirectional model on a small vocabulary" if ours != article.PARAMS else "supported"),
        (f"A 2-layer, 64-unit LSTM reaches {article.EPOCH5_ACC:.2%} by epoch 5, {article.PEAK_ACC:.2%} at best "
         f"(epoch {article.PEAK_EPOCH}).",
         f"Ours: {' / '.join(pct(a) for a in by5)} at epoch {min(5, flag['config']['epochs'])} on temporal order "
         f"(T = {flag['config']['seq_len']}), {len(by5)} seeds.",
         "exceeded" if min(by5) > article.EPOCH5_ACC else "not reproduced"),
    ]


def frontier_rows(frontier: dict, highway: dict) -> list[tuple[str, str, str]]:
    """Ledger rows that only the frontier's measurements can decide."""
    grid, lengths = frontier["grid"], frontier["config"]["lengths"]
    n = len(frontier["config"]["seeds"])

    def solved_at(key: str, T: int) -> str:
        cell = grid[key][str(T)]
        return f"{cell['solved']} of {n} seeds" if cell["run"] else "not run (the rule stopped it)"

    longest = {key: longest_solved(cells) for key, cells in grid.items()}
    reach = {key: f"T = {T}" if T else f"not even T = {lengths[0]}" for key, T in longest.items()}
    T_hw, early = highway["T"], highway["early_position"]
    ratios = {key: [m["ratio"] for m in entry.values()] for key, entry in highway["runs"].items()}  # init … end
    const = next(k for k in highway["runs"] if k != "chrono")
    rows = [
        ("Error signals propagate backward for hundreds or thousands of steps without decaying.",
         "LSTM with chrono init, solved: " + "; ".join(f"T = {T}: {solved_at('chrono', T)}" for T in lengths[2:])
         + f". At T = {T_hw}, ‖∂L/∂x{subscript(early)}‖ / ‖∂L/∂x{subscript(T_hw - 1)}‖ is "
         f"{ratios['chrono'][0]:.2g} at initialisation and {ratios['chrono'][-1]:.2g} at the end of training "
         f"for chrono; for {Init.parse(const).label()} it goes from {ratios[const][0]:.2g} to {ratios[const][-1]:.2g}.",
         hundreds_of_steps(longest["chrono"], lengths)),
        ("Without the bias-1 trick the cell state leaks early in training and long-range learning suffers.",
         f"Longest length solved in at least one of {n} seeds: "
         + "; ".join(f"{Init.parse(k).label()}: {reach[k]}" for k in ("torch", "1", "3", "chrono")) + ".",
         bias_trick_needed(longest)),
    ]
    if "gru-chrono" in grid:
        rows.append((
            "LSTM: separate cell state, additive updates → stable gradients (what separates it from other recurrent "
            "networks).",
            f"Longest length solved in at least one of {n} seeds, chrono initialisation: LSTM {reach['chrono']}, GRU "
            f"{reach['gru-chrono']} (torch's default: LSTM {reach['torch']}, GRU {reach['gru-torch']}).",
            separate_cell_state_needed(longest["chrono"], longest["gru-chrono"])))
    return rows


def measure(setting: Setting, runs, results) -> dict:
    missing = [experiment for section, experiment in NEEDS.items() if not results.get(section)]
    if missing:
        raise UserError(f"the claims ledger needs the results of {', '.join(missing)}: run "
                        f"`--only {' '.join(missing)} claims` (or without --only)")
    search = {**param_search.measure(), "ours": results["flagship"]["params"]["total"]}
    rows = core_rows({**results, "parameter_search": search})
    if results.get("frontier") and results.get("frontier_highway"):  # written by `--only frontier`
        rows += frontier_rows(results["frontier"], results["frontier_highway"])
    return {"parameter_search": search, "claims": [{"claim": c, "measurement": m, "verdict": v} for c, m, v in rows]}


def render(results: dict) -> list[Output]:
    flag, search = results["flagship"], results["parameter_search"]
    nat, smallest = search["natural"], search["smallest_unidirectional"]
    by5, ours = flag["lstm_acc_epoch5"], flag["params"]["total"]
    e5 = min(5, flag["config"]["epochs"])
    first99 = flag["lstm_first_epoch_99"]
    reproduction = table(["quantity", "the article", "this book (measured)"], [
        ("model", f"{article.LAYERS}-layer LSTM, {article.HIDDEN} units",
         f"{flag['config']['num_layers']}-layer LSTM, {flag['config']['hidden_size']} units"),
        ("parameters", f"{article.PARAMS:,}", f"{ours:,}"),
        ("task", "\"synthetic long-range dependency task\" (unspecified)",
         f"temporal order 6a, T = {flag['config']['seq_len']}"),
        (f"test accuracy at epoch {e5}", f"{pct(article.EPOCH5_ACC)} (epoch 5)",
         f"{' / '.join(pct(a) for a in by5)} ({len(by5)} seeds)"),
        ("first epoch ≥ 99%", f"never (peak {pct(article.PEAK_ACC)} at epoch {article.PEAK_EPOCH})",
         " / ".join(str(e) if e else "never" for e in first99)),
        ("vanilla RNN, same size", "not reported", f"≤ {pct(flag['rnn_max_test_acc'])} in every epoch"),
    ], "lrr")
    hit_rows = [("bidirectional" if h["bidirectional"] else "unidirectional", h["embedding"], h["input_size"],
                 f"{h['lstm']:,}", f"{h['classes'] or 'none'} ({h['head']:,})") for h in nat]
    hits = table(["direction", "embedding (vocab × width)", "LSTM input size", "LSTM parameters",
                  "head classes (parameters)"], hit_rows or [("(none)", "", "", "", "")], "llrrl")
    search_text = (
        f"Searching 2-layer, 64-unit LSTMs (uni- or bidirectional, embedding width 1–512, vocabulary "
        f"2–300, a linear head with 2–100 classes or none) for exactly {article.PARAMS:,} parameters "
        f"finds {len(search['hits'])} combinations; {len(nat)} of them use round sizes:\n\n{hits}\n\n"
        "Each row was rebuilt as a `SequenceClassifier` and counted with `count_parameters`: "
        + ", ".join(f"{h['verified_count']:,}" for h in nat) + ". "
        + (f"A *unidirectional* 2 × 64 LSTM with a round embedding width gets there only with a large "
           f"vocabulary: the smallest is {smallest['vocab']:,} tokens × {smallest['input_size']} "
           f"dimensions with {smallest['classes']} classes." if smallest else ""))
    ledger = table(["claim (the article)", "what we measured", "verdict"],
                   [(c["claim"], c["measurement"], f"**{c['verdict']}**") for c in results["claims"]], "lll")
    return [Fragment("reproduction", reproduction), Fragment("param_search", search_text),
            Fragment("claims", ledger)]
