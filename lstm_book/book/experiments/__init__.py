"""The book's experiments: one module each, or one subpackage when an experiment needs helpers.

Each exposes ``EXPERIMENT``, an :class:`lstm_book.book.pipeline.interface.Experiment`; the registry
(:mod:`lstm_book.book.pipeline.registry`) lists them in the order the book presents them.
"""
