"""`python -m tools.publish`: rebuild savedmodels/ (see `tools.publish.__main__`)."""
