//! Near-duplicate signatures (`indexer.analysis.minhash`): word shingles, MinHash.
//!
//! The arithmetic of `minhash.shingle_hashes` and of datasketch's
//! `affine32` MinHash scheme, which the signatures stored in indexes were
//! made with: each distinct word's CRC-32, shingles combined with wrapping
//! u32 multiplies, each distinct shingle pre-mixed with MurmurHash3's
//! finalizer, then `a * h + b` per permutation, the minimum kept. Importing
//! datasketch (and the scipy it imports) took 57 MB in each indexing
//! worker, and its per-article numpy calls a twelfth of a worker's CPU.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rustc_hash::FxHashMap;

fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

/// The signature of `words` (terms in text order): `len(a)` little-endian
/// u32 minima, or b"" when they make fewer than `min_shingles` distinct
/// shingles of `mix.len()` words.
#[pyfunction]
pub fn minhash_signature<'py>(
    py: Python<'py>,
    words: Vec<Bound<'py, PyString>>,
    mix: Vec<u32>,
    a: Vec<u32>,
    b: Vec<u32>,
    min_shingles: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let k = mix.len();
    if k == 0 || a.len() != b.len() {
        return Err(PyValueError::new_err(
            "a shingle needs words; a and b pair up",
        ));
    }
    if words.len() < k {
        return Ok(PyBytes::new(py, b""));
    }
    let mut codes: FxHashMap<&str, u32> = FxHashMap::default();
    let mut seq = Vec::with_capacity(words.len());
    for word in &words {
        let word = word.to_str()?;
        seq.push(
            *codes
                .entry(word)
                .or_insert_with(|| crc32fast::hash(word.as_bytes())),
        );
    }
    let n = seq.len() - k + 1;
    let mut shingles: Vec<u32> = seq[..n].iter().map(|&c| c.wrapping_mul(mix[0])).collect();
    for (i, &m) in mix.iter().enumerate().skip(1) {
        for (j, value) in shingles.iter_mut().enumerate() {
            *value = (*value ^ (*value >> 15))
                .wrapping_mul(m)
                .wrapping_add(seq[i + j]);
        }
    }
    shingles.sort_unstable();
    shingles.dedup();
    if shingles.len() < min_shingles {
        return Ok(PyBytes::new(py, b""));
    }
    let mut minima = vec![u32::MAX; a.len()];
    for &shingle in &shingles {
        let h = fmix32(shingle);
        for (m, (&ak, &bk)) in minima.iter_mut().zip(a.iter().zip(&b)) {
            *m = (*m).min(ak.wrapping_mul(h).wrapping_add(bk));
        }
    }
    let bytes: Vec<u8> = minima.iter().flat_map(|m| m.to_le_bytes()).collect();
    Ok(PyBytes::new(py, &bytes))
}
