"""The book: everything that turns the library (``lstm_book``) into the pages' figures, numbers and widgets.

The two houses of the package:

* the **library**, ``lstm_book.*`` — the recurrent cells and layers, BPTT, packing, models, tasks and
  corpus, training, probes. It imports torch and numpy, never this subpackage;
* the **book**, ``lstm_book.book.*`` — imports the library:

  - ``pipeline/``: the experiment interface, the registry, the runner, the run cache, the outputs
    (atomic, with provenance sidecars), the Markdown tables, and what several experiments share
    (the temporal-order run spec, the forget-gate initialisations, the derived seeds);
  - ``experiments/``: one module per experiment, or one subpackage when it needs helpers;
  - ``palette.py`` (the one palette: figures, diagrams, the site's CSS, the widgets), ``figures.py``
    (the matplotlib style and the plots more than one experiment draws), ``web_export.py`` (the format
    of the models the widgets run).

``tests/book/test_layout.py`` checks the rule from the imports.
"""
