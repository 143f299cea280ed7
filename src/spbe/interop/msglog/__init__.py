"""The message log (log pesan): every exchange through the gateway, hash-chained, batch-signed and made
durable (fsync) before the caller gets the response.

Layout: ``<log_dir>/<stream>/<000001>.seg``, one stream per gateway worker process. A segment is text:

- ``#SEG {json}``: header (stream, segment number, hash linking to the previous segment, signing key);
- ``R <hash> {json}``: one record; ``hash = sha256(previous hash ‖ " " ‖ json)``;
- ``S <seq> <hash> <signature>``: Ed25519 signature over ``stream|segment|seq|hash``, written with each
  group-commit batch, so it covers every record before it;
- ``#END <hash>``: the segment was closed cleanly (rotation).

Each writer also anchors its stream's durable position outside the log directory (``anchors.py``: a
database row per stream and audit-log records), so ``verify`` detects a deleted or truncated stream;
``evidence.py`` checks one record's chain position for ``log find``.

See ``format.py`` for the exact bytes and ``verify.py`` for the checks.
"""
