"""A short, bounded load test of examples/api's nested list endpoint, on loopback only.

Serves the app under uvicorn on 127.0.0.1 (SQLite in a temporary folder), seeds users with memories,
then sends at most `--requests` requests (and for at most `--seconds`) to
`/feed/users?limit=20&memories=5` from `--concurrency` clients, and prints requests per second and
latency percentiles:

    .venv/bin/python bench/api_load.py [--users 50] [--requests 400] [--seconds 30] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.api.app import create_app  # noqa: E402
from examples.api.serve import serving  # noqa: E402

PATH = "/feed/users"
PARAMS = {"limit": "20", "memories": "5"}


async def _load(url: str, requests: int, seconds: float, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    left = requests

    async def client() -> None:
        nonlocal left
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while left > 0 and time.monotonic() < deadline:
                left -= 1
                started = time.perf_counter()
                response = await http.get(PATH, params=PARAMS)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(f"sqlite+aiosqlite:///{Path(folder) / 'load.db'}")
        with serving(app) as url, httpx.Client(base_url=url, timeout=30) as http:
            for n in range(args.users):
                user = http.post("/users", json={"email": f"u{n}@example.com", "username": f"user{n}",
                                                 "password_hash": "long-enough"}).json()
                for m in range(10):
                    http.post("/memories", json={"user_id": user["id"], "content": f"memory {m}"})
            http.get(PATH, params=PARAMS).raise_for_status()  # warm up
            latencies, elapsed = asyncio.run(_load(url, args.requests, args.seconds, args.concurrency))
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(f"GET {PATH}?limit=20&memories=5 ({args.users} users x 10 memories, SQLite, uvicorn on 127.0.0.1, "
          f"{args.concurrency} clients): {len(latencies)} requests in {elapsed:.1f} s = "
          f"{len(latencies) / elapsed:.0f} req/s; p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
