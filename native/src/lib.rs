//! The indexing hot path of newsarchive's Whoosh backend, compiled.
//!
//! A segment writer's postings were filed by Python code inside Whoosh's
//! format: a dictionary look-up and four buffer appends per posting, then a
//! pickle, a zlib call, a `TermInfo` and a dozen attribute writes per term.
//! On the indexing profile that was more than half of a worker's CPU. This
//! crate keeps the same design as the Python pool it replaces (postings
//! gathered per term in document order, spilled to sorted runs, merged term
//! by term) and writes the same W3 blocks and term records, which Whoosh's
//! own readers and `indexer.index.whoosh_postings` read unchanged.

mod arrays;
mod blocks;
mod grams;
mod pickle;
mod pool;
mod runs;
mod signature;
mod terms;
mod values;

use pyo3::prelude::*;

#[pymodule]
fn _postings(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<pool::PostingPool>()?;
    m.add_function(wrap_pyfunction!(values::characters_items, m)?)?;
    m.add_function(wrap_pyfunction!(grams::cjk_gram_keys, m)?)?;
    m.add_function(wrap_pyfunction!(signature::minhash_signature, m)?)?;
    m.add("SMALL_TERM", blocks::SMALL_TERM)?;
    Ok(())
}
