"""Time ``pysops check`` on a generated repository of 2,000 SOPS files (not a test).

Usage: python benchmarks/check_repo.py [N]   (default 2000)

Files are hand-made with realistic metadata in all stores (no key needed:
checking never decrypts), then the whole CLI runs in a subprocess as a user
would run it, and the wall time is printed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

AGE = ["age1" + c * 58 for c in "acdefg"]
ARMOR = (
    "-----BEGIN AGE ENCRYPTED FILE-----\\n"
    + "QUJD" * 60
    + "\\n-----END AGE ENCRYPTED FILE-----\\n"
)
MAC = (
    "ENC[AES256_GCM,data:"
    + "A" * 88
    + ",iv:"
    + "B" * 43
    + "=,tag:"
    + "C" * 22
    + "==,type:str]"
)


def yaml_file(i: int) -> str:
    data = "".join(
        f"key{n}: ENC[AES256_GCM,data:QUJD,iv:{'x' * 43}=,tag:{'y' * 22}==,type:str]\n"
        for n in range(40)
    )
    keys = "".join(
        f"        - recipient: {AGE[(i + k) % 6]}\n          enc: |\n"
        + "".join(f"            {'Q' * 64}\n" for _ in range(5))
        for k in range(2)
    )
    return (
        data + "sops:\n    age:\n" + keys + '    lastmodified: "2024-05-06T07:08:09Z"\n'
        f"    mac: {MAC}\n    unencrypted_suffix: _unencrypted\n    version: 3.11.0\n"
    )


def json_file(i: int) -> str:
    import json

    doc = {
        f"key{n}": "ENC[AES256_GCM,data:QUJD,iv:x,tag:y,type:str]" for n in range(40)
    }
    doc["sops"] = {
        "age": [{"recipient": AGE[(i + k) % 6], "enc": ARMOR} for k in range(2)],
        "lastmodified": "2024-05-06T07:08:09Z",
        "mac": MAC,
        "version": "3.11.0",
    }
    return json.dumps(doc, indent="\t")


def env_file(i: int) -> str:
    lines = [f"KEY{n}=ENC[AES256_GCM,data:QUJD,iv:x,tag:y,type:str]" for n in range(40)]
    for k in range(2):
        lines += [
            f"sops_age__list_{k}__map_enc={ARMOR}",
            f"sops_age__list_{k}__map_recipient={AGE[(i + k) % 6]}",
        ]
    lines += [
        "sops_lastmodified=2024-05-06T07:08:09Z",
        f"sops_mac={MAC}",
        "sops_version=3.11.0",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    makers = [("yaml", yaml_file), ("json", json_file), ("env", env_file)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(count):
            ext, make = makers[i % len(makers)]
            target = root / f"team{i % 20}" / f"svc{i % 7}" / f"secret{i}.{ext}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(make(i))
        (root / ".sops-check.yaml").write_text(
            "allowUnmatched: false\nrules:\n  - nOf:\n      min: 1\n      rules:\n"
            + "".join(f"        - match: {a}\n" for a in AGE[:5])
            + "  - matchRegex: '^age1[a-f]'\n    level: warning\n"
        )
        start = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pysops",
                "check",
                "--format",
                "json",
                "-o",
                str(root / "out.json"),
                ".",
            ],
            cwd=root,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in root.rglob("secret*"))
    print(
        f"{count} files ({size / 1e6:.1f} MB): exit {done.returncode}, {elapsed:.2f} s"
    )
    if done.stderr:
        print(done.stderr.strip()[:500])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
