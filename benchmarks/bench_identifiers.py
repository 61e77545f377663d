"""Throughput of the national ID detector over ordinary configuration text.

    .venv/bin/python benchmarks/bench_identifiers.py

Builds about 20 MB of YAML, JSON and .env-like lines in memory (deterministic), with a few
valid IDs sprinkled in, and prints the best of three runs of ``find_identifiers``. MB here
is 10^6 bytes of the text encoded as UTF-8.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from policylint.load.identifiers import find_identifiers

TARGET_MB_S = 50.0
FULL_BYTES = 20_000_000
QUICK_BYTES = 4_000_000
RUNS = 3
# Valid numbers (checksums verified in tests/detectors): a national ID, a 2021-format and an
# old-format resident certificate number.
PLANTED = ("F131104093", "A800000014", "AC01234567")
PLANT_EVERY = 5_000  # lines

_AGENCIES = ("臺中市政府資訊中心", "臺中市政府民政局", "臺中市政府地政局", "Taichung City Government")
_WORDS = ("portal", "gateway", "registry", "archive", "permit", "billing", "Worker", "Cache", "API")


def _yaml_line(rng: random.Random) -> str:
    word = rng.choice(_WORDS)
    return rng.choice(
        (
            f"  {word.lower()}_timeout: {rng.randint(1, 600)}",
            f"    image: registry.example.gov.tw/{word.lower()}:{rng.randint(1, 9)}.{rng.randint(0, 30)}.0",
            f"  - name: {word}-{rng.randint(100, 999)}",
            f"    host: 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"  agency: {rng.choice(_AGENCIES)}  # 承辦單位",
            f"  checksum: sha256:{rng.getrandbits(256):064x}",
            f"  updated: 2017-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00+08:00",
        )
    )


def _json_line(rng: random.Random) -> str:
    word = rng.choice(_WORDS)
    return rng.choice(
        (
            f'  "{word}Id": "{rng.getrandbits(64):016X}",',
            f'  "phone": "09{rng.randint(0, 99_999_999):08d}",',
            f'  "retries": {rng.randint(0, 9)}, "enabled": true, "label": "{word} 服務"',
            f'  "requestId": "REQ{rng.randint(0, 10**9):09d}", "serial": "A{rng.randint(0, 10**6):06d}"',
        )
    )


def _env_line(rng: random.Random) -> str:
    word = rng.choice(_WORDS).upper()
    return rng.choice(
        (
            f"{word}_URL=https://{word.lower()}.example.gov.tw/api/v{rng.randint(1, 3)}",
            f"{word}_POOL_SIZE={rng.randint(1, 64)}",
            f"# {word} settings, reviewed {rng.randint(2015, 2024)}",
            f"{word}_TOKEN_REF=vault:secret/data/{word.lower()}#token",
        )
    )


def build_text(size: int = FULL_BYTES, seed: int = 20170101) -> str:
    """About ``size`` bytes of configuration text, with a planted identifier every few thousand lines."""
    rng = random.Random(seed)
    makers: tuple[Callable[[random.Random], str], ...] = (_yaml_line, _json_line, _env_line)
    lines: list[str] = []
    total = 0
    while total < size:
        line = rng.choice(makers)(rng)
        if len(lines) % PLANT_EVERY == PLANT_EVERY - 1:
            line = f"  applicant_id: {PLANTED[len(lines) // PLANT_EVERY % len(PLANTED)]}"
        lines.append(line)
        total += len(line.encode("utf-8")) + 1
    return "\n".join(lines) + "\n"


def measure(text: str, runs: int = RUNS) -> tuple[float, int]:
    """The best of ``runs`` throughputs in MB/s, and the number of matches."""
    megabytes = len(text.encode("utf-8")) / 1e6
    best = float("inf")
    matches = 0
    for _ in range(runs):
        start = time.perf_counter()
        matches = sum(1 for _ in find_identifiers(text))
        best = min(best, time.perf_counter() - start)
    return megabytes / best, matches


def throughput_mb_s(quick: bool = False) -> float:
    """Best-of-three throughput of ``find_identifiers``, in MB/s, for a combined benchmark."""
    rate, _ = measure(build_text(QUICK_BYTES if quick else FULL_BYTES))
    return rate


def main() -> None:
    rate, matches = measure(build_text())
    print(f"identifier detector: {rate:.1f} MB/s ({matches} matches)")


if __name__ == "__main__":
    main()
