"""The append-only, hash-chained and signed audit log every module writes to."""
