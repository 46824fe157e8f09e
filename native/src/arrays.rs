//! A chunk of the postings arrays (`indexer.index.postings_arrays`) of the
//! terms just written: the documents, weights, block directory and word
//! positions of each term in at least `min_docs` documents.
//!
//! Those arrays used to be read back from the finished segment, through
//! Whoosh's matchers and a pickle per block: a tenth of an indexing
//! worker's CPU once the postings themselves were written here. The
//! Python side turns per-term counts into the file's start offsets.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::blocks::{BlockEntry, Postings};

#[derive(Default)]
pub struct ChunkArrays {
    keys: Vec<i64>,
    counts: Vec<i64>,
    docs: Vec<i32>,
    weights: Vec<f32>,
    block_counts: Vec<i64>,
    block_max: Vec<i64>,
    block_pos: Vec<i64>,
    has_pos: Vec<u8>,
    pos_counts: Vec<i64>,
    positions: Vec<i32>,
}

impl ChunkArrays {
    pub fn add(
        &mut self,
        key: i64,
        postings: &Postings,
        directory: &[BlockEntry],
        with_positions: bool,
    ) {
        self.keys.push(key);
        self.counts.push(postings.ids.len() as i64);
        self.docs.extend(postings.ids.iter().map(|&d| d as i32));
        self.weights
            .extend(postings.weights.iter().map(|&w| w as f32));
        self.block_counts.push(directory.len() as i64);
        self.block_max
            .extend(directory.iter().map(|&(last, _)| last as i64));
        self.block_pos
            .extend(directory.iter().map(|&(_, pos)| pos as i64));
        if !with_positions {
            return;
        }
        let before = self.positions.len();
        let mut counts = Vec::with_capacity(postings.ids.len());
        let decoded = postings.values.len() == postings.ids.len()
            && postings
                .values
                .iter()
                .all(|value| match positions_of(value, &mut self.positions) {
                    Some(n) => {
                        counts.push(n as i64);
                        true
                    }
                    None => false,
                });
        if decoded {
            self.pos_counts.extend(counts);
        } else {
            // Left to be decoded one by one when read, as the Python writer did.
            self.positions.truncate(before);
            self.pos_counts
                .extend(std::iter::repeat_n(0, postings.ids.len()));
        }
        self.has_pos.push(decoded as u8);
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn take_dict<'py>(
        &mut self,
        py: Python<'py>,
        with_positions: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        fn raw<T: Copy>(values: &[T]) -> &[u8] {
            // Plain numbers, in the machine's (little-endian) order, as numpy reads them.
            unsafe {
                std::slice::from_raw_parts(
                    values.as_ptr() as *const u8,
                    std::mem::size_of_val(values),
                )
            }
        }
        let dict = PyDict::new(py);
        dict.set_item("keys", PyBytes::new(py, raw(&self.keys)))?;
        dict.set_item("counts", PyBytes::new(py, raw(&self.counts)))?;
        dict.set_item("docs", PyBytes::new(py, raw(&self.docs)))?;
        dict.set_item("weights", PyBytes::new(py, raw(&self.weights)))?;
        dict.set_item("block_counts", PyBytes::new(py, raw(&self.block_counts)))?;
        dict.set_item("block_max", PyBytes::new(py, raw(&self.block_max)))?;
        dict.set_item("block_pos", PyBytes::new(py, raw(&self.block_pos)))?;
        if with_positions {
            dict.set_item("has_pos", PyBytes::new(py, &self.has_pos))?;
            dict.set_item("pos_counts", PyBytes::new(py, raw(&self.pos_counts)))?;
            dict.set_item("positions", PyBytes::new(py, raw(&self.positions)))?;
        }
        *self = ChunkArrays::default();
        Ok(dict)
    }
}

/// The word positions of a `Characters` posting value, appended to `out`;
/// returns how many, or None when the value is not shaped as expected.
///
/// The value is a big-endian count, then pickle protocol 2 of a list of
/// (position delta, start delta, length) tuples of ints, as
/// `Characters.encode` writes it; positions are the running sum of the
/// first items.
fn positions_of(value: &[u8], out: &mut Vec<i32>) -> Option<usize> {
    let count = u32::from_be_bytes(value.get(..4)?.try_into().ok()?) as usize;
    if count == 0 {
        return None;
    }
    let mut p = Reader { data: value, at: 4 };
    if p.take(2)? != [0x80, 2] || p.byte()? != b']' {
        return None;
    }
    p.memo();
    let (mut position, mut seen) = (0i64, 0usize);
    loop {
        match p.peek()? {
            b'.' => break,
            b'(' => {
                p.at += 1;
                while p.peek()? != b'e' {
                    position += p.tuple_head()?;
                    out.push(i32::try_from(position).ok()?);
                    seen += 1;
                }
                p.at += 1;
            }
            _ => {
                position += p.tuple_head()?;
                out.push(i32::try_from(position).ok()?);
                seen += 1;
                if p.byte()? != b'a' {
                    return None;
                }
            }
        }
    }
    (p.at + 1 == value.len() && seen == count).then_some(count)
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.at).copied()
    }

    fn byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let part = self.data.get(self.at..self.at + n)?;
        self.at += n;
        Some(part)
    }

    /// Skip a memo entry (BINPUT, LONG_BINPUT or MEMOIZE) if there is one.
    fn memo(&mut self) {
        match self.peek() {
            Some(b'q') => self.at += 2,
            Some(b'r') => self.at += 5,
            Some(0x94) => self.at += 1,
            _ => {}
        }
    }

    fn int(&mut self) -> Option<i64> {
        Some(match self.byte()? {
            b'K' => self.byte()? as i64,
            b'M' => u16::from_le_bytes(self.take(2)?.try_into().ok()?) as i64,
            b'J' => i32::from_le_bytes(self.take(4)?.try_into().ok()?) as i64,
            _ => return None,
        })
    }

    /// A tuple of three ints (and its memo entry); returns the first.
    fn tuple_head(&mut self) -> Option<i64> {
        let first = self.int()?;
        self.int()?;
        self.int()?;
        if self.byte()? != 0x87 {
            return None;
        }
        self.memo();
        Some(first)
    }
}
