"""The book's experiments, in the order the book presents them.

``scripts/regenerate_figures.py`` runs them through :func:`lstm_book.book.pipeline.runner.run`; each is an
:class:`lstm_book.book.pipeline.interface.Experiment`. To add an experiment, write its module (ending with
``EXPERIMENT = Experiment(...)``) and add one line here (CONTRIBUTING.md lists the other two places: its
page and the nav).
"""

from lstm_book.book.experiments import ablation, bench, charlm, claims, diagrams, explorer, flagship, frontier, gates, gradients, length, notebooks, part1, part2, seq2seq
from lstm_book.book.pipeline.interface import Experiment

# --8<-- [start:registry]
EXPERIMENTS: dict[str, Experiment] = {module.EXPERIMENT.name: module.EXPERIMENT for module in (
    part1,  # Part 1's illustrations
    part2,  # Part 2's illustrations (packing)
    flagship,  # Part 3: training, LSTM vs RNN
    ablation,  # Part 3: the forget-gate bias
    gradients,  # Part 3: gradient flow, measured
    gates,  # Part 3: what the gates learn
    explorer,  # Part 3: the gates page's live explorer (the flagship model, exported for the browser)
    diagrams,  # every part's explanatory diagrams (the task strip draws the gates page's example)
    length,  # Part 3: longer sequences
    frontier,  # Part 3: how far can an LSTM remember? (only when named)
    charlm,  # Part 3: an LSTM reads Python (a character model of CPython's standard library)
    seq2seq,  # Part 3: the encoder–decoder
    notebooks,  # every part's notebook, executed: docs/notebooks/*.py → *.ipynb with outputs
    claims,  # Part 3: reproducing the article (reads the others' results)
    bench,  # the appendix 'Making it fast': our layers' speed and memory against torch.nn's (only when named)
)}
# --8<-- [end:registry]
DEFAULT = [name for name, experiment in EXPERIMENTS.items() if experiment.default]
