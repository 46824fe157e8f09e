"""Near-duplicate signatures of article bodies: MinHash over word shingles.

A wire story republished by many sites keeps most of its sentences while
headers, footers, headline prefixes and a paragraph or two change. The
Jaccard similarity of two bodies' sets of word shingles (runs of
`SHINGLE` consecutive words) stays high for such copies and is low for
different stories on the same topic, which share words but seldom share
runs of them. MinHash estimates it from a fixed-size signature: the share
of the `NUM_PERM` slots on which two signatures agree.

Shingles are built from the ANALYSED terms the index files anyway (one
term per position: the whole word, not its search-mode sub-words), so the
signature costs no second analysis, works the same for Chinese and
English, and sees traditional and simplified characters, case and English
inflections as the index does.

The hash of a shingle must be the same in every process and every run
(signatures are stored in the index): each distinct term is hashed once
with CRC-32, and a shingle's hash combines its terms' hashes with numpy
(wrapping uint32 arithmetic). datasketch's `affine32` scheme then mixes
each value with MurmurHash3's finalizer and applies the permutations in
one vectorised `update_batch`.

`band_keys` cuts signatures into LSH bands: two articles whose signatures
agree on a whole band become a candidate pair (see `indexer.index.stories`).
"""

from __future__ import annotations

import zlib
from functools import cache

import numpy as np

NUM_PERM = 64  # signature slots: 256 bytes per article
SEED = 1  # the permutations; changing it (or NUM_PERM, SHINGLE) needs a rebuild
SHINGLE = 3  # words per shingle
MIN_SHINGLES = 10  # fewer distinct shingles: too short to tell copies, no signature
# LSH bands of ROWS slots each (the last NUM_PERM - BANDS * ROWS slots only
# verify). Two articles of estimated Jaccard similarity s become candidates
# with probability 1 - (1 - s**ROWS)**BANDS: 0.94 at 0.5, 0.75 at 0.4, 0.16
# at 0.2. With 16 bands of 4 rows (0.64 at 0.5), copies with a dropped and a
# cut paragraph were missed (recall 0.985 on tests/story_variants.py).
ROWS = 3
BANDS = NUM_PERM // ROWS
SIGNATURE_BYTES = NUM_PERM * 4
# Multipliers combining a shingle's term hashes (odd: bijective mod 2^32).
_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1], dtype=np.uint32)


def _as_is(value: int) -> int:
    """The hash function datasketch applies: values come already hashed."""
    return value


@cache
def _permutations():
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_as_is, scheme="affine32").permutations


def shingle_hashes(words: list[str]) -> np.ndarray:
    """The distinct 32-bit hashes of the word shingles of `words` (terms in text order)."""
    if len(words) < SHINGLE:
        return np.empty(0, dtype=np.uint32)
    crc = zlib.crc32
    codes = {w: crc(w.encode("utf-8")) for w in set(words)}
    seq = np.fromiter(map(codes.__getitem__, words), dtype=np.uint32, count=len(words))
    n = len(seq) - SHINGLE + 1
    mixed = seq[:n] * _MIX[0]
    for i in range(1, SHINGLE):
        mixed = (mixed ^ (mixed >> np.uint32(15))) * _MIX[i] + seq[i : i + n]
    return np.unique(mixed)


def signature(words: list[str]) -> bytes:
    """The MinHash signature (NUM_PERM little-endian uint32) of `words`, or b"" when too short.

    0.29 ms per bench article (shingling 0.17 ms of it) against 2.0 ms for
    analysing its body and about 15 ms for indexing it whole. The same
    arithmetic written directly in numpy took 0.21 ms: not worth a second
    implementation of datasketch's scheme. Regenerating the permutations
    per call (no `permutations=`) took 0.50 ms.
    """
    shingles = shingle_hashes(words)
    if len(shingles) < MIN_SHINGLES:
        return b""
    from datasketch import MinHash

    sketch = MinHash(
        num_perm=NUM_PERM,
        seed=SEED,
        hashfunc=_as_is,
        permutations=_permutations(),
        scheme="affine32",
    )
    sketch.update_batch(shingles.tolist())
    return sketch.hashvalues.astype("<u4").tobytes()


def signatures_array(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(n x NUM_PERM uint32 signatures, which rows have one) from stored column values."""
    n = len(values)
    has = np.fromiter((len(v) == SIGNATURE_BYTES for v in values), dtype=bool, count=n)
    sigs = np.zeros((n, NUM_PERM), dtype=np.uint32)
    if has.any():
        joined = b"".join(v for v, ok in zip(values, has, strict=True) if ok)
        sigs[has] = np.frombuffer(joined, dtype="<u4").reshape(-1, NUM_PERM)
    return sigs, has


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """One 32-bit key per LSH band per row (n x BANDS): equal bands, equal keys.

    32 bits, not 64: at 100k articles a band sees about one chance
    collision, which verification rejects, and the keys take half the memory.
    """
    n = len(sigs)
    if not n:
        return np.zeros((0, BANDS), dtype=np.uint32)
    rows = sigs[:, : BANDS * ROWS].reshape(n, BANDS, ROWS).astype(np.uint64)
    keys = np.zeros((n, BANDS), dtype=np.uint64)
    for r in range(ROWS):
        keys = (keys ^ rows[:, :, r]) * np.uint64(0x100000001B3) + np.uint64(r + 1)
    return (keys ^ (keys >> np.uint64(32))).astype(np.uint32)
