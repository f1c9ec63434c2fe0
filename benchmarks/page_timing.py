"""What the page benchmarks share (imported by ``economy_pages.py`` and ``policy_pages.py``;
run alone it does nothing)."""

from __future__ import annotations

import time


def timed(client, path: str, **kwargs) -> float:
    """Seconds one GET of ``path`` took; anything but 200 stops the benchmark."""
    start = time.perf_counter()
    response = client.get(path, **kwargs)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    return elapsed
