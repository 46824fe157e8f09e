//! The hashed keys of a text's CJK character bigrams (`indexer.analysis.bigrams`).
//!
//! Each bigram's key is its UTF-8 CRC-32 modulo the number of buckets, as
//! (at least) four hex digits,
//! each key once, in order of first occurrence: what the Python version
//! computed with a generator, an f-string and a dict per bigram, a
//! twentieth of an indexing worker's CPU.

use pyo3::prelude::*;
use rustc_hash::FxHashSet;

/// `indexer.analysis.tokenizer.CJK_RANGES`.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{3007}')
}

/// The keys of the bigrams of `folded` (text already folded, see
/// `tokenizer.fold`) in `buckets` buckets.
#[pyfunction]
pub fn cjk_gram_keys(folded: &str, buckets: u32) -> Vec<String> {
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
            let key = crc32fast::hash(&pair[..n + m]) % buckets;
            if seen.insert(key) {
                keys.push(format!("{key:04x}"));
            }
        }
        previous = Some(c);
    }
    keys
}
