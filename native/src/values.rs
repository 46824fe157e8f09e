//! Posting values of a `Characters` field, encoded as Whoosh encodes them.
//!
//! A document's analysed terms arrive with each occurrence's (position,
//! start, end); `Characters.encode` turns each term's list into a
//! big-endian count and a protocol-2 pickle of (position delta, start
//! delta, length) tuples. Done in Python per term and document, that was a
//! sixteenth of an indexing worker's CPU. The bytes here are the ones
//! CPython's pickler writes (memo entries and batches of 1,000 included),
//! so indexes read and compare the same.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::pickle;

const BATCH: usize = 1000;

/// `(term bytes, frequency, weight, value)` of each term of `terms` (a dict
/// of term to its [(position, start, end), ...]), as `Characters` indexes
/// them: the weight is the frequency times `boost`.
#[pyfunction]
pub fn characters_items<'py>(
    py: Python<'py>,
    terms: &Bound<'py, PyDict>,
    boost: f64,
) -> PyResult<Bound<'py, PyList>> {
    let items = PyList::empty(py);
    let mut value = Vec::new();
    let mut occurrences: Vec<(i64, i64, i64)> = Vec::new();
    for (term, poslist) in terms.iter() {
        let term = term.cast::<PyString>()?.to_str()?;
        occurrences.clear();
        for occurrence in poslist.try_iter()? {
            occurrences.push(occurrence?.extract()?);
        }
        if occurrences.is_empty() {
            return Err(PyValueError::new_err(format!("no occurrences of {term:?}")));
        }
        value.clear();
        encode(&mut value, &occurrences);
        let freq = occurrences.len();
        items.append(PyTuple::new(
            py,
            [
                PyBytes::new(py, term.as_bytes()).into_any(),
                freq.into_pyobject(py)?.into_any(),
                (freq as f64 * boost).into_pyobject(py)?.into_any(),
                PyBytes::new(py, &value).into_any(),
            ],
        )?)?;
    }
    Ok(items)
}

/// `Characters.encode(occurrences)`.
pub fn encode(out: &mut Vec<u8>, occurrences: &[(i64, i64, i64)]) {
    out.extend_from_slice(&(occurrences.len() as u32).to_be_bytes());
    pickle::start(out, 2);
    out.push(b']');
    pickle::memoize(out, 0);
    let (mut posbase, mut charbase) = (0, 0);
    let mut item = |out: &mut Vec<u8>, memo: usize, &(pos, start, end): &(i64, i64, i64)| {
        pickle::int(out, pos - posbase);
        pickle::int(out, start - charbase);
        pickle::int(out, end - start);
        pickle::close_tuple(out, 3);
        pickle::memoize(out, memo);
        posbase = pos;
        charbase = end;
    };
    if occurrences.len() == 1 {
        item(out, 1, &occurrences[0]);
        out.push(b'a');
    } else {
        for (b, batch) in occurrences.chunks(BATCH).enumerate() {
            out.push(b'(');
            for (i, occurrence) in batch.iter().enumerate() {
                item(out, 1 + b * BATCH + i, occurrence);
            }
            out.push(b'e');
        }
    }
    pickle::stop(out);
}
