"""One module per concern; each is listed once in ``registry.py``."""
