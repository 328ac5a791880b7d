"""Performance smoke check (not a test): load and emit a generated ~5 MB YAML file.

Run: python tests/stores/yaml_perf_smoke.py [size_mb]
"""

from __future__ import annotations

import sys
import time

from pysops.stores._yaml_scalar import format_float
from pysops.stores.yaml import YamlStore


def generate(size: int) -> bytes:
    parts = []
    total = 0
    i = 0
    while total < size:
        block = (
            f"# service {i}\n"
            f"service_{i}:\n"
            f"    name: svc-{i}\n"
            f"    port: {8000 + i % 1000}\n"
            f"    ratio: {format_float(i / 7)}\n"
            f"    enabled: {'true' if i % 2 else 'false'}\n"
            f"    password: ENC[AES256_GCM,data:cGFzc3dvcmQ{i}=,iv:aXY=,tag:dGFn,type:str]\n"
            f'    tags:\n        - alpha\n        - "yes"\n        - {i}\n'
            f"    motd: |\n        hello {i}\n        world\n"
        )
        parts.append(block)
        total += len(block)
        i += 1
    return "".join(parts).encode()


def main() -> None:
    size = int(float(sys.argv[1]) * 1_000_000) if len(sys.argv) > 1 else 5_000_000
    data = generate(size)
    store = YamlStore()
    t0 = time.perf_counter()
    branches = store.load_plain(data)
    t1 = time.perf_counter()
    out = store.emit_plain(branches)
    t2 = time.perf_counter()
    print(
        f"input {len(data) / 1e6:.2f} MB: load {t1 - t0:.2f} s, emit {t2 - t1:.2f} s, "
        f"round trip identical: {out == data}"
    )


if __name__ == "__main__":
    main()
