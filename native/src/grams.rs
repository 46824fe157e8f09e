//! The hashed keys of a text's CJK character bigrams (`indexer.analysis.bigrams`).
//!
//! Each bigram's key is its UTF-8 CRC-32 modulo 65,536 as four hex digits,
//! each key once, in order of first occurrence: what the Python version
//! computed with a generator, an f-string and a dict per bigram, a
//! twentieth of an indexing worker's CPU.

use crc32fast::Hasher;
use pyo3::prelude::*;
use rustc_hash::FxHashSet;

const BUCKETS: u32 = 1 << 16;

/// `indexer.analysis.tokenizer.CJK_RANGES`.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{3007}')
}

/// The keys of the bigrams of `folded` (text already folded, see `tokenizer.fold`).
#[pyfunction]
pub fn cjk_gram_keys(folded: &str) -> Vec<String> {
    let mut seen = FxHashSet::default();
    let mut keys = Vec::new();
    let mut previous: Option<char> = None;
    let mut pair = [0u8; 8];
    for c in folded.chars() {
        if !is_cjk(c) {
            previous = None;
            continue;
        }
        if let Some(p) = previous {
            let n = p.encode_utf8(&mut pair).len();
            let m = c.encode_utf8(&mut pair[n..]).len();
            let mut hasher = Hasher::new();
            hasher.update(&pair[..n + m]);
            let key = hasher.finalize() % BUCKETS;
            if seen.insert(key) {
                keys.push(format!("{key:04x}"));
            }
        }
        previous = Some(c);
    }
    keys
}
