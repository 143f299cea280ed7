"""Operational monitoring: counters and a latency histogram per service, in Prometheus text format at
``/metrics`` (per worker process: label ``worker`` is the pid), plus X-Road style health data
(successful/unsuccessful counts, min/avg/max duration)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class ServiceStats:
    succeeded: int = 0
    failed: int = 0
    seconds_sum: float = 0.0
    seconds_min: float = float("inf")
    seconds_max: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    by_status: dict[int, int] = field(default_factory=dict)

    def observe(self, status: int, succeeded: bool, seconds: float) -> None:
        if succeeded:
            self.succeeded += 1
        else:
            self.failed += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        self.seconds_sum += seconds
        self.seconds_min = min(self.seconds_min, seconds)
        self.seconds_max = max(self.seconds_max, seconds)
        for index, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.buckets[index] += 1
                break

    @property
    def count(self) -> int:
        return self.succeeded + self.failed


class Metrics:
    def __init__(self) -> None:
        self.services: dict[str, ServiceStats] = {}
        self.gauges: dict[str, float] = {}

    def observe(self, service: str, status: int, succeeded: bool, seconds: float) -> None:
        stats = self.services.get(service)
        if stats is None:
            stats = self.services[service] = ServiceStats()
        stats.observe(status, succeeded, seconds)

    def health(self) -> list[dict[str, object]]:
        return [
            {
                "service": name,
                "successfulRequestCount": s.succeeded,
                "unsuccessfulRequestCount": s.failed,
                "requestMinDuration": round(s.seconds_min * 1000, 3) if s.count else None,
                "requestAverageDuration": round(s.seconds_sum / s.count * 1000, 3) if s.count else None,
                "requestMaxDuration": round(s.seconds_max * 1000, 3) if s.count else None,
            }
            for name, s in sorted(self.services.items())
        ]

    def render(self) -> bytes:
        worker = os.getpid()
        lines = [
            "# HELP splp_requests_total Requests through the gateway by service and HTTP status.",
            "# TYPE splp_requests_total counter",
        ]
        for name, stats in sorted(self.services.items()):
            for status, count in sorted(stats.by_status.items()):
                lines.append(f'splp_requests_total{{worker="{worker}",service="{name}",status="{status}"}} {count}')
        lines += [
            "# HELP splp_request_seconds Time from request in to response out.",
            "# TYPE splp_request_seconds histogram",
        ]
        for name, stats in sorted(self.services.items()):
            lines += _histogram(worker, name, stats)
        for gauge, value in sorted(self.gauges.items()):
            lines += [f"# TYPE {gauge} gauge", f'{gauge}{{worker="{worker}"}} {value}']
        return ("\n".join(lines) + "\n").encode()


def _histogram(worker: int, name: str, stats: ServiceStats) -> list[str]:
    labels = f'worker="{worker}",service="{name}"'
    out, running = [], 0
    for bound, count in zip(BUCKETS, stats.buckets, strict=True):
        running += count
        out.append(f'splp_request_seconds_bucket{{{labels},le="{bound}"}} {running}')
    out.append(f'splp_request_seconds_bucket{{{labels},le="+Inf"}} {stats.count}')
    out.append(f"splp_request_seconds_sum{{{labels}}} {stats.seconds_sum:.6f}")
    out.append(f"splp_request_seconds_count{{{labels}}} {stats.count}")
    return out
