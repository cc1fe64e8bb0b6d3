"""The claims ledger: the article's numbers and claims against our measurements, with computed verdicts.

It trains nothing and reads the other experiments only through their ``results.json`` sections.
The rules that turn measurements into verdicts are the functions between the ``rules`` markers;
the page "Reproducing the article" shows them by including this code.
"""

from __future__ import annotations

from lstm_book import tasks
from lstm_book.book.experiments.claims import article, param_search
from lstm_book.book.pipeline.interface import Experiment, Fragment, Output, Setting, UserError
from lstm_book.book.pipeline.inits import Init
from lstm_book.book.pipeline.tables import pct, percent, subscript, table

QUOTED = ("bias_one", "cell_state")  # rows other pages quote on their own (claim_<id>.md)
NEEDS = {"flagship": "flagship", "ablation": "ablation", "gradients": "gradients", "gates": "gates",
         "length_sweep": "length"}  # results.json section -> the experiment that writes it


def specs(setting: Setting) -> list:
    return []


# --8<-- [start:rules]
def gradients_survive(init_ratio: float, longest_lstm: int) -> str:
    """At initialisation the first window's input gradient is within 3 orders of magnitude of the last
    input's, and some LSTM solves a lag of hundreds of steps (T ≥ 200, any seed, sweep or frontier)."""
    if init_ratio > 1e-3 and longest_lstm >= 200:
        return "supported"
    return "partly: no lag of hundreds of steps solved on this budget" if init_ratio > 1e-3 else "not supported"


def without_decaying(longest_chrono: int, longest_length: int, trained_ratios: dict[str, float]) -> str:
    """Chrono solves the frontier's longest length, and after training the first window's gradient is
    within a factor 10 of the last step's (a ratio ≥ 0.1) for every initialisation watched."""
    if longest_chrono < longest_length:
        return "not supported"
    if all(r >= 0.1 for r in trained_ratios.values()):
        return "supported"
    collapsed = ", ".join(k for k, r in trained_ratios.items() if r < 0.1)
    return f"partly: with chrono initialisation; the gradient collapses during training for {collapsed}"


def bias_one_helps(solved_at_100: dict[str, int], longest: dict[str, int] | None) -> str:
    """Forget bias 1 solves more seeds than bias 0 at the flagship's length, or (from the frontier) a longer
    lag than torch's default; "partly" when it helps only at a lag shorter than the flagship's."""
    if solved_at_100["1"] > solved_at_100["0"] or (longest and longest["1"] >= 100 > longest["torch"]):
        verdict = "supported"
    elif longest and longest["1"] > longest["torch"]:
        verdict = f"partly: only at the shortest lag (T = {longest['1']})"
    else:
        verdict = "not supported"
    larger = max(solved_at_100.values()) > solved_at_100["1"] or (longest and longest["chrono"] > longest["1"])
    return verdict + ("; larger biases and chrono help far more" if larger else "")


def gates_cluster(forget_means: list[dict]) -> str:
    """Mean forget gate ≥ 0.9 at the informative positions and ≤ 0.1 at the distractors, in every layer."""
    near1 = all(s["informative"] >= 0.9 for s in forget_means)
    drop0 = all(s["distractor"] <= 0.1 for s in forget_means)
    if near1 and drop0:
        return "supported"
    if near1:
        everywhere = all(s["distractor"] >= 0.9 for s in forget_means)
        return "partly: near 1 at every position, informative or not" if everywhere else "partly: near 1 only"
    return "partly: low at distractors only" if drop0 else "not supported"


def rnn_fails(rnn_max: float, rnn_best_shortest: float) -> str:
    """The RNN stays ≤ 30% at T = 100 in every epoch and seed, and does not solve even the sweep's shortest T."""
    if rnn_max <= 0.30:
        return "supported" if rnn_best_shortest < 0.99 else "partly"
    return "not supported"


def accuracy_compared(ours_by_epoch5: float, article_by_epoch5: float) -> str:
    """The article's task is unspecified, so its accuracy is set beside ours but never called beaten."""
    return f"not comparable: a different task (ours {'higher' if ours_by_epoch5 > article_by_epoch5 else 'lower'})"


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
    """The longest T at which a frontier configuration solved at least one seed (0: not even the shortest)."""
    return max([int(T) for T, cell in cells.items() if cell["run"] and cell["solved"]], default=0)


def rows(r: dict) -> list[tuple[str, str, str, str]]:
    """The ledger: one row per claim of the article, each decided by one rule from all the evidence."""
    flag, abl, abl_cfg, grads, gates, length = (r["flagship"], r["ablation"], r["ablation_config"], r["gradients"],
                                                 r["gates"], r["length_sweep"])
    frontier, highway = r.get("frontier"), r.get("frontier_highway")
    key = flag["init"]
    lstm_grad, rnn_grad = grads["inputs"][key], grads["inputs"]["rnn"]
    early, last = subscript(grads["early"]), subscript(grads["last"])
    sweep_longest = max([int(T) for T, c in length.items() if c["lstm"]["best"] >= 0.99], default=0)
    longest = {k: longest_solved(cells) for k, cells in frontier["grid"].items()} if frontier else None
    lstm_longest = max([sweep_longest] + [v for k, v in (longest or {}).items() if not k.startswith(("gru", "rnn"))])
    solved = {k: sum(e is not None for e in v["first_epoch_99"]) for k, v in abl.items()}
    n = len(abl["1"]["acc_at_budget"])
    gate_means = gates["position_means"]
    shortest = min(length, key=int)
    rnn_short = length[shortest]["rnn"]["best"]
    by5, ours = flag["lstm_acc_epoch5"], flag["params"]["total"]
    search = r["parameter_search"]
    nat = search["natural"]
    T0 = flag["config"]["seq_len"]
    reach = {k: f"T = {T}" if T else f"not even T = {frontier['config']['lengths'][0]}"
             for k, T in (longest or {}).items()}
    lags = (f"The longest lag an LSTM solved in at least one seed: T = {lstm_longest}" if lstm_longest
            else "No LSTM solved even the shortest lag")
    lags += (" (the frontier)." if frontier else " (the one-seed length sweep, best "
             f"{pct(length.get('200', {}).get('lstm', {}).get('best', 0))} at T = 200; the frontier is not run yet).")
    table_ = [
        ("survive", "Gradients survive across hundreds of time steps.",
         f"At initialisation ‖∂L/∂x{early}‖/‖∂L/∂x{last}‖ is {lstm_grad['init_ratio']:.2g} for the LSTM ({key}) "
         f"and {rnn_grad['init_ratio']:.2g} for the RNN; after training the LSTM's is {lstm_grad['trained_ratio']:.2g}. "
         + lags,
         gradients_survive(lstm_grad["init_ratio"], lstm_longest)),
    ]
    if frontier and highway:
        T_hw, hw_early = highway["T"], highway["early_position"]
        ratios = {k: [m["ratio"] for m in e.values()] for k, e in highway["runs"].items()}  # init … end
        table_.append((
            "carousel", "Error signals propagate backward for hundreds or thousands of steps without decaying.",
            "LSTM with chrono init, solved: " + "; ".join(
                f"T = {T}: {c['solved']} of {len(c['seeds'])} seeds" if c["run"] else f"T = {T}: not run"
                for T, c in ((T, frontier["grid"]["chrono"][str(T)]) for T in frontier["config"]["lengths"][2:]))
            + f". At T = {T_hw}, ‖∂L/∂x{subscript(hw_early)}‖ / ‖∂L/∂x{subscript(T_hw - 1)}‖ goes from "
            + "; ".join(f"{ratios[k][0]:.2g} at initialisation to {ratios[k][-1]:.2g} after training for "
                        f"{Init.parse(k).label()}" for k in ratios) + ".",
            without_decaying(longest["chrono"], max(frontier["config"]["lengths"]),
                             {Init.parse(k).label(): v[-1] for k, v in ratios.items()})))
    table_ += [
        ("bias_one", "The forget-gate bias is initialised to 1.0: without it the cell state leaks early in training and "
         "long-range gradient flow degrades.",
         f"At T = {T0}, seeds at ≥ 99% within {abl_cfg['epochs']} epochs ({abl_cfg['sequences']:,} sequences): "
         + "; ".join(f"{Init.parse(k).symbol}: {solved[k]} of {n}" for k in abl) + "."
         + (" Longest lag solved in at least one seed: "
            + "; ".join(f"{Init.parse(k).label()}: {reach[k]}" for k in ("torch", "1", "3", "chrono")) + "."
            if longest else ""),
         bias_one_helps(solved, longest)),
        ("gates", "Forget gates cluster near 1.0 at informative positions and drop toward 0 at irrelevant ones.",
         "; ".join(f"{layer}: mean f {s['f']['informative']:.2f} at X/Y vs {s['f']['distractor']:.2f} at distractors"
                   for layer, s in gate_means.items()) + ".",
         gates_cluster([s["f"] for s in gate_means.values()])),
        ("rnn", "Vanilla RNNs cannot learn long-range dependencies.",
         f"Same-size RNN: at most {pct(flag['rnn_max_test_acc'])} at T = {T0} in any epoch and seed (chance "
         f"{percent(tasks.TEMPORAL_ORDER_CHANCE)}); best {pct(rnn_short)} at T = {shortest}"
         + (f"; frontier: {reach['rnn']}" if longest else "") + ".",
         rnn_fails(flag["rnn_max_test_acc"], rnn_short)),
        ("params", f"The 2-layer, 64-unit LSTM has {article.PARAMS:,} parameters.",
         f"Ours (embedding {flag['config']['embed_dim']}, unidirectional) has {ours:,}. "
         f"{len(nat)} round-number configurations give exactly {article.PARAMS:,} (table below); "
         "all are bidirectional or have wide inputs." if nat and all(h['bidirectional'] or h['input_size'] >= 128
                                                                      for h in nat)
         else f"Ours has {ours:,}; {len(search['hits'])} combinations give exactly {article.PARAMS:,}.",
         "not as a unidirectional model on a small vocabulary" if ours != article.PARAMS else "supported"),
        ("accuracy", f"A 2-layer, 64-unit LSTM reaches {article.EPOCH5_ACC:.2%} by epoch 5, {article.PEAK_ACC:.2%} at best "
         f"(epoch {article.PEAK_EPOCH}), on a synthetic long-range task it does not specify.",
         f"Ours, on temporal order (T = {T0}): {' / '.join(pct(a) for a in by5)} at epoch "
         f"{min(5, flag['config']['epochs'])} in {len(by5)} seeds.",
         accuracy_compared(min(by5), article.EPOCH5_ACC)),
    ]
    if longest and "gru-chrono" in longest:
        table_.append((
            "cell_state", "LSTM: separate cell state, additive updates → stable gradients (what separates it from other recurrent "
            "networks).",
            f"Longest lag solved in at least one of {len(frontier['config']['seeds'])} seeds, chrono initialisation: "
            f"LSTM {reach['chrono']}, GRU {reach['gru-chrono']} (torch's default: LSTM {reach['torch']}, GRU "
            f"{reach['gru-torch']}).",
            separate_cell_state_needed(longest["chrono"], longest["gru-chrono"])))
    return table_


def measure(setting: Setting, runs, results) -> dict:
    missing = [experiment for section, experiment in NEEDS.items() if not results.get(section)]
    if missing:
        raise UserError(f"the claims ledger needs the results of {', '.join(missing)}: run "
                        f"`--only {' '.join(missing)} claims` (or without --only)")
    search = {**param_search.measure(), "ours": results["flagship"]["params"]["total"]}
    ledger = rows({**results, "parameter_search": search})  # the frontier's rows once `--only frontier` has run
    return {"parameter_search": search,
            "claims": [{"id": i, "claim": c, "measurement": m, "verdict": v} for i, c, m, v in ledger]}


def reproduction_rows(results: dict) -> list[tuple[str, str, str]]:
    """Home's table: the article's numbers beside ours, every measured row naming its forget-gate initialisation.

    Ours are the flagship's (its own initialisation, chrono) and, from the ablation, the same model and
    seeds with the forget bias of 1 that the article advises, read after the ablation's epochs.
    """
    flag, abl, abl_cfg = results["flagship"], results["ablation"], results["ablation_config"]
    T = flag["config"]["seq_len"]
    flagship_init, bias_one = Init.parse(flag["init"]).label(T), Init("bias", article.FORGET_BIAS)
    by5, first99 = flag["lstm_acc_epoch5"], flag["lstm_first_epoch_99"]
    e5 = min(5, flag["config"]["epochs"])
    one, n_abl = abl[bias_one.key], abl_cfg["epochs"]
    first99_one = (" / ".join(str(e) if e is not None else f"not by epoch {n_abl}" for e in one["first_epoch_99"])
                   if any(e is not None for e in one["first_epoch_99"]) else f"not by epoch {n_abl} in any seed")
    both = "{}: {}<br>{}: {}".format  # the flagship's initialisation, then bias 1's, in one cell
    return [
        ("model", f"{article.LAYERS}-layer LSTM, {article.HIDDEN} units",
         f"{flag['config']['num_layers']}-layer LSTM, {flag['config']['hidden_size']} units"),
        ("parameters", f"{article.PARAMS:,}", f"{flag['params']['total']:,}"),
        ("task", "\"synthetic long-range dependency task\" (unspecified)", f"temporal order 6a, T = {T}"),
        ("forget-gate initialisation", f"not stated (it advises a forget bias of {article.FORGET_BIAS:g})",
         f"{flagship_init}, the flagship's; and {bias_one.label()}, the article's advice, on the same model and seeds"),
        (f"test accuracy at epoch {e5}", f"{pct(article.EPOCH5_ACC)}",
         both(flagship_init, f"{' / '.join(pct(a) for a in by5)} ({len(by5)} seeds)",
              bias_one.label() + (f" (epoch {n_abl})" if n_abl != e5 else ""),
              f"{' / '.join(pct(a) for a in one['acc_at_budget'])} (chance {percent(tasks.TEMPORAL_ORDER_CHANCE)})")),
        ("first epoch ≥ 99%", f"never (peak {pct(article.PEAK_ACC)} at epoch {article.PEAK_EPOCH})",
         both(flagship_init, " / ".join(str(e) if e else "never" for e in first99), bias_one.label(), first99_one)),
        ("vanilla RNN, same size (no forget gate)", "not reported", f"≤ {pct(flag['rnn_max_test_acc'])} in every epoch"),
    ]


def render(results: dict) -> list[Output]:
    search = results["parameter_search"]
    nat, smallest = search["natural"], search["smallest_unidirectional"]
    reproduction = table(["quantity", "the article", "this book (measured)"], reproduction_rows(results), "lll")
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
    quoted = [Fragment(f"claim_{c['id']}", f"{c['measurement']} Verdict: **{c['verdict']}**.")
              for c in results["claims"] if c["id"] in QUOTED]
    return [Fragment("reproduction", reproduction), Fragment("param_search", search_text),
            Fragment("claims", ledger), *quoted]


EXPERIMENT = Experiment(name="claims", default=True, specs=specs, measure=measure, render=render)
