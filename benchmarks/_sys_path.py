"""Imported first by the benchmark scripts, before anything that imports ``http``.

A script run as ``python benchmarks/NAME.py`` has this folder first on ``sys.path``, and
``benchmarks/http.py`` is named like the standard library's ``http`` package (which
``urllib``, Flask and gunicorn import). This module takes the folder off the path and puts
the repository root on it, so shared code is imported as ``benchmarks._serving``."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), *(entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "benchmarks")]
