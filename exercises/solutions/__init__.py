"""Reference solutions of the exercises, shown on the pages and run by the book's test suite."""
