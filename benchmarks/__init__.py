"""Benchmarks: a large generated authority, measured against floors taken in the same run.

Not part of the test suite (tests never assert on wall time). See docs/performance.md:

    python -m benchmarks.generate --scale 1
    python -m benchmarks.run --scales 1,2,4
"""
