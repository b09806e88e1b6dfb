"""Where the published test vectors live: ``../shared/vectors`` beside the checkout.

They are data from the standards' authors (see SOURCES.md there); tests read them, never edit.
"""

from __future__ import annotations

import os
from pathlib import Path

VECTORS = Path(
    os.environ.get("INTYG_VECTORS", Path(__file__).resolve().parents[2] / "shared" / "vectors")
)
