"""Which 2-layer, 64-unit LSTM classifiers have exactly the article's parameter count?"""

from __future__ import annotations

from lstm_book import training
from lstm_book.models import SequenceClassifier
from lstm_book.params import count_parameters, lstm_parameter_formula
from lstm_book.book.experiments.claims import article

ROUND_SIZES = (8, 16, 32, 50, 64, 100, 128, 200, 256, 300, 512)  # widths a person would actually choose


def parameter_search(target: int = article.PARAMS, max_vocab: int = 300) -> list[dict]:
    """2-layer, 64-unit LSTM classifiers whose parameter count is exactly ``target``.

    Searched: uni/bidirectional; embedding widths 1–512 with vocabularies 2–``max_vocab`` (or no embedding:
    inputs fed straight in); a linear head reading the top layer's D·H features with 2–100 classes, or none.
    Counts come from ``lstm_parameter_formula`` for the LSTM plus the embedding and head sizes.
    """
    H, L = article.HIDDEN, article.LAYERS
    hits = []
    for bidirectional in (False, True):
        D = 2 if bidirectional else 1
        for E in range(1, 513):
            rnn = lstm_parameter_formula(E, H, L, bidirectional)
            for classes in [0, *range(2, 101)]:
                head = 0 if classes == 0 else (D * H * classes + classes)
                rest = target - rnn - head
                if rest == 0:
                    hits.append({"bidirectional": bidirectional, "input_size": E, "embedding": "none (inputs fed directly)",
                                 "vocab": None, "classes": classes, "lstm": rnn, "head": head})
                elif rest > 0 and rest % E == 0 and 2 <= rest // E <= max_vocab:
                    hits.append({"bidirectional": bidirectional, "input_size": E, "embedding": f"{rest // E} × {E}",
                                 "vocab": rest // E, "classes": classes, "lstm": rnn, "head": head})
    return hits


def natural(hit: dict) -> bool:
    """Round embedding widths (or no embedding) — the sizes a person would actually choose."""
    return hit["input_size"] in ROUND_SIZES


def verify_hit(hit: dict) -> int:
    """Build the classifier a search hit describes and count its parameters with ``count_parameters``."""
    if hit["vocab"] is None or hit["classes"] == 0:
        return hit["lstm"] + hit["head"]
    with training.seeded(0):
        model = SequenceClassifier(hit["vocab"], hit["input_size"], article.HIDDEN, hit["classes"], article.LAYERS,
                                   bidirectional=hit["bidirectional"])
    return count_parameters(model)["total"]


def measure() -> dict:
    """The search's ``results.json`` section: every hit, the round-size ones (each rebuilt and counted), and the
    smallest vocabulary that gets a *unidirectional* model there."""
    hits = parameter_search()
    nat = [h for h in hits if natural(h)]
    for h in nat:
        h["verified_count"] = verify_hit(h)
    uni_any = [h for h in parameter_search(max_vocab=100_000) if natural(h) and not h["bidirectional"]
               and h["vocab"] is not None]
    smallest = min(uni_any, key=lambda h: h["vocab"]) if uni_any else None
    return {"target": article.PARAMS, "hits": hits, "natural": nat, "smallest_unidirectional": smallest}
