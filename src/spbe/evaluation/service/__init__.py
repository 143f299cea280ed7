"""Rules and transactions of the evaluation (services flush, never commit)."""
