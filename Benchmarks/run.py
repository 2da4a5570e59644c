#!/usr/bin/env python3
"""Strata's benchmark runner: `python3 Benchmarks/run.py NAME [options]`.

Each benchmark is `Benchmarks/bench_NAME.py` with a `main(argv)` that builds Strata in release mode, runs
Strata and its peer on the same data in the same run, and prints medians and the ratio.
"""
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

available = sorted(p.stem[len("bench_"):] for p in Path(__file__).resolve().parent.glob("bench_*.py"))
if len(sys.argv) < 2 or sys.argv[1] not in available:
    print(f"usage: run.py NAME [options]   (NAME: {', '.join(available)})", file=sys.stderr)
    sys.exit(2)
ok = importlib.import_module(f"bench_{sys.argv[1]}").main(sys.argv[2:])
sys.exit(0 if ok in (None, True) else 1)
