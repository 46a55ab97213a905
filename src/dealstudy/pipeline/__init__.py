"""Pipelines: the functions that wire data sources to computations and write files (the CLI calls these)."""
