"""Evaluation instruments as data files, their model (``spec``), loader and consistency checks."""
