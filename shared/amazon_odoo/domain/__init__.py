"""Pure models and rules: no I/O, standard library and pydantic only."""
