"""How the book is built: the experiment interface, the registry, the runner, the cache and the outputs.

Nothing here knows a particular experiment but the registry, which lists them.
"""
