"""Benchmark: score 615 agencies × 47 indicators and aggregate nationally (target ≤ 1 s).

Run: ``.venv/bin/python bench/bench_evaluation.py`` (``make bench-evaluation``). Pure computation, as the
national page does after reading the levels: agency, domain and aspect indices, predikat, distribution,
ranking and the weakest indicators, in exact decimals.
"""

from __future__ import annotations

import random
import statistics
import time

from spbe.evaluation.instruments.loader import DEFAULT_INSTRUMENT, INSTRUMENT_DIR, load_instrument_file
from spbe.evaluation.national import AgencyLevels, aggregate

AGENCIES = 615
RUNS = 7
TARGET_SECONDS = 1.0
KINDS = ["kementerian"] * 92 + ["provinsi"] * 38 + ["kabupaten"] * 415 + ["kota"] * 70


def main() -> None:
    instrument = load_instrument_file(INSTRUMENT_DIR / f"{DEFAULT_INSTRUMENT}.json")
    rng = random.Random(2024)  # noqa: S311 (benchmark data, not security)
    agencies = [
        AgencyLevels(f"A{n:03d}", KINDS[n], {i: rng.randint(1, 5) for i in instrument.numbers}) for n in range(AGENCIES)
    ]
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        picture = aggregate(instrument, 2024, agencies)
        _ = (picture.ranking, picture.weakest(10))
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    verdict = "OK" if median <= TARGET_SECONDS else "SLOWER THAN TARGET"
    print(
        f"evaluation: {AGENCIES} agencies × {len(instrument.indicators)} indicators scored and aggregated "
        f"in {median * 1000:.0f} ms (median of {RUNS}; target ≤ {TARGET_SECONDS:.0f} s) — {verdict}; "
        f"national index {picture.index} ({picture.predikat})"
    )


if __name__ == "__main__":
    main()
