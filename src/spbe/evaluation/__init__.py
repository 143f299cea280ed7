"""Evaluation: the SPBE index (PermenPANRB 59/2020) and its assessment cycle.

See docs/modules/evaluation.md."""
