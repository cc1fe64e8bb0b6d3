"""Coding exercises of the book's "Check yourself" sections; see exercises/README.md."""
