"""Olist-style identifiers: 32 lowercase hex characters, drawn in bulk from a seeded generator."""
import numpy as np

_HEX = np.array(list("0123456789abcdef"))


def hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 32-character hex ids (128 random bits each, so collisions do not happen)."""
    nibbles = rng.integers(0, 16, size=(n, 32), dtype=np.uint8)
    return np.ascontiguousarray(_HEX[nibbles]).view("<U32").ravel()
