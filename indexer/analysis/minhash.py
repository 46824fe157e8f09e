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
with CRC-32, and a shingle's hash combines its terms' hashes (wrapping
uint32 arithmetic). datasketch's `affine32` scheme then mixes each value
with MurmurHash3's finalizer and applies the permutations; the compiled
module does both (`signature`).

`band_keys` cuts signatures into LSH bands: two articles whose signatures
agree on a whole band become a candidate pair (see `indexer.index.stories`).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from indexer._postings import minhash_signature

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
# Multipliers combining a shingle's term hashes (odd: bijective mod 2^32), one per word.
_MIX = [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1][:SHINGLE]


@cache
def _permutations() -> tuple[list[int], list[int]]:
    """The (a, b) of datasketch's `affine32` scheme for `NUM_PERM` and `SEED`.

    `MinHash._init_permutations` of datasketch 2.0, which the signatures in
    existing indexes were made with (`tests/test_story_grouping.py` checks
    signatures against datasketch itself): odd multipliers, any offsets.
    """
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a.tolist(), b.tolist()


def signature(words: list[str]) -> bytes:
    """The MinHash signature (NUM_PERM little-endian uint32) of `words`, or b"" when too short.

    Compiled (`native/src/signature.rs`): the shingles of `SHINGLE` words,
    their hashes combined with `_MIX`, and datasketch's `affine32` MinHash
    over them. Through datasketch it took 0.29 ms per bench article, and
    importing datasketch brought scipy's integrators into every indexing
    worker: 57 MB each.
    """
    a, b = _permutations()
    return minhash_signature(words, _MIX, a, b, MIN_SHINGLES)


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
