"""Where the published test vectors live: ``tests/vectors`` inside the repository.

They are data from the standards' authors, copied unchanged with their provenance in
``tests/vectors/SOURCES.md``; tests read them, never edit them.
"""

from __future__ import annotations

from pathlib import Path

VECTORS = Path(__file__).resolve().parent / "vectors"
