//! The pool a segment writer files its postings in (`SegmentWriter.pool`).
//!
//! Postings arrive in document order: a writer numbers its documents as it
//! adds them, and a merged segment's documents come after them in order. So
//! the pool keeps, per field and term, the term's documents and its packed
//! (weight, value) pairs in two buffers, and sorts only the distinct terms,
//! when the segment is written or when the buffers outgrow the limit and
//! are spilled to a run. Fields whose format stores nothing but presence
//! keep only documents, as long as every posting weighs 1.0 and has no
//! value, which is what Whoosh would give them.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::arrays::ChunkArrays;
use crate::blocks::{self, Layout, Postings};
use crate::runs::{Record, RunReader, RunWriter};
use crate::terms::TermsFile;

/// Bytes of a term's table entry and key, beside its buffers.
const TERM_OVERHEAD: usize = 200;
/// A posting's weight (f64) and the length of its value (u32), little-endian.
const HEAD: usize = 12;
/// What is handed to the sink at once, at most: a field's postings file
/// bytes (and `chunk_terms` term records).
const CHUNK_BYTES: usize = 1 << 20;

static RUN_NUMBER: AtomicUsize = AtomicUsize::new(0);

#[derive(Default)]
struct TermBuf {
    ids: Vec<u8>,
    rest: Vec<u8>,
}

struct FieldPool {
    name: String,
    presence_only: bool,
    terms: FxHashMap<Box<[u8]>, TermBuf>,
}

impl FieldPool {
    /// A presence field given a weight or a value after all: keep all from now on.
    fn keep_whole(&mut self) -> usize {
        self.presence_only = false;
        let mut added = 0;
        for buf in self.terms.values_mut() {
            let before = buf.rest.capacity();
            push_presence_heads(&mut buf.rest, buf.ids.len() / 4);
            added += buf.rest.capacity() - before;
        }
        added
    }

    /// File one posting; returns the bytes it added to the pool's memory
    /// (buffers count by capacity: a growing buffer holds up to twice its
    /// contents).
    fn post(&mut self, term: &[u8], doc: [u8; 4], weight: f64, value: &[u8]) -> usize {
        let mut size = 0;
        if self.presence_only && (weight != 1.0 || !value.is_empty()) {
            size += self.keep_whole();
        }
        let whole = !self.presence_only;
        let append = |buf: &mut TermBuf| {
            let before = buf.ids.capacity() + buf.rest.capacity();
            buf.ids.extend_from_slice(&doc);
            if whole {
                push_head(&mut buf.rest, weight, value.len());
                buf.rest.extend_from_slice(value);
            }
            buf.ids.capacity() + buf.rest.capacity() - before
        };
        if let Some(buf) = self.terms.get_mut(term) {
            size += append(buf);
        } else {
            let mut buf = TermBuf::default();
            size += append(&mut buf) + TERM_OVERHEAD + term.len();
            self.terms.insert(term.into(), buf);
        }
        size
    }

    /// Its terms, sorted, as records; the field is left empty.
    fn drain_sorted(&mut self) -> Vec<Record> {
        let mut terms: Vec<_> = self.terms.drain().collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let presence_only = self.presence_only;
        terms
            .into_iter()
            .map(|(term, buf)| Record {
                field: self.name.clone(),
                term: term.into_vec(),
                ids: buf.ids,
                rest: if presence_only { None } else { Some(buf.rest) },
            })
            .collect()
    }
}

fn push_head(rest: &mut Vec<u8>, weight: f64, length: usize) {
    rest.extend_from_slice(&weight.to_le_bytes());
    rest.extend_from_slice(&(length as u32).to_le_bytes());
}

/// The heads of `count` presence postings: weight 1.0, no value.
fn push_presence_heads(rest: &mut Vec<u8>, count: usize) {
    for _ in 0..count {
        push_head(rest, 1.0, 0);
    }
}

enum Source {
    Run(RunReader),
    Memory(std::vec::IntoIter<Record>),
}

impl Source {
    fn next(&mut self) -> std::io::Result<Option<Record>> {
        match self {
            Source::Run(reader) => reader.next_record(),
            Source::Memory(records) => Ok(records.next()),
        }
    }
}

fn key(record: &Record) -> (&[u8], &[u8]) {
    (record.field.as_bytes(), &record.term)
}

struct FieldLayout {
    name: String,
    /// The field's number in the terms file's keys (`W3FieldWriter._fieldmap`).
    number: u16,
    layout: Layout,
    /// Whether postings arrays are wanted, and with positions.
    positions: Option<bool>,
}

/// What `write` has made and not yet handed over.
struct Output {
    base: u64,
    chunk: Vec<u8>,
    terms: TermsFile,
    terms_chunk: Vec<u8>,
    terms_in_chunk: usize,
    arrays: ChunkArrays,
}

impl Output {
    fn flush(
        &mut self,
        py: Python<'_>,
        sink: &Bound<'_, PyAny>,
        field: &FieldLayout,
    ) -> PyResult<()> {
        if self.terms_in_chunk == 0 {
            return Ok(());
        }
        let arrays = match field.positions {
            Some(with_positions) if !self.arrays.is_empty() => {
                Some(self.arrays.take_dict(py, with_positions)?)
            }
            _ => None,
        };
        let data = PyBytes::new(py, &self.chunk);
        let records = PyBytes::new(py, &self.terms_chunk);
        sink.call1((&field.name, field.number, data, records, arrays))?;
        self.base += self.chunk.len() as u64;
        self.terms_chunk.clear();
        self.terms_in_chunk = 0;
        self.chunk.clear();
        Ok(())
    }
}

#[pyclass(module = "indexer._postings")]
pub struct PostingPool {
    /// Spill to a run once the buffers hold more than this many bytes.
    #[pyo3(get, set)]
    limit: usize,
    /// Bytes held now.
    #[pyo3(get)]
    size: usize,
    tempdir: PathBuf,
    run_paths: Vec<PathBuf>,
    fields: Vec<FieldPool>,
    by_name: FxHashMap<String, usize>,
    presence: FxHashSet<String>,
}

impl PostingPool {
    fn field(&mut self, name: &str) -> &mut FieldPool {
        let index = match self.by_name.get(name) {
            Some(&index) => index,
            None => {
                self.fields.push(FieldPool {
                    name: name.to_owned(),
                    presence_only: self.presence.contains(name),
                    terms: FxHashMap::default(),
                });
                self.by_name.insert(name.to_owned(), self.fields.len() - 1);
                self.fields.len() - 1
            }
        };
        &mut self.fields[index]
    }

    fn grow(&mut self, size: usize) -> PyResult<()> {
        self.size += size;
        if self.size > self.limit {
            self.spill()?;
        }
        Ok(())
    }

    fn sorted_records(&mut self) -> Vec<Record> {
        let mut order: Vec<usize> = (0..self.fields.len()).collect();
        order.sort_by(|&a, &b| self.fields[a].name.cmp(&self.fields[b].name));
        let mut records = Vec::new();
        for index in order {
            records.extend(self.fields[index].drain_sorted());
        }
        self.size = 0;
        records
    }

    fn spill(&mut self) -> PyResult<()> {
        let number = RUN_NUMBER.fetch_add(1, Ordering::Relaxed);
        let path = self
            .tempdir
            .join(format!("postings-{}-{}.run", std::process::id(), number));
        let mut run = RunWriter::create(&path)?;
        self.run_paths.push(path);
        for record in self.sorted_records() {
            run.write(
                &record.field,
                &record.term,
                &record.ids,
                record.rest.as_deref(),
            )?;
        }
        run.finish()?;
        Ok(())
    }

    /// Every term once, in (field, term) order, its parts joined in writing
    /// order, handed to `each`.
    fn merge(&mut self, mut each: impl FnMut(Record) -> PyResult<()>) -> PyResult<()> {
        let mut sources = Vec::new();
        for path in &self.run_paths {
            sources.push(Source::Run(RunReader::open(path)?));
        }
        sources.push(Source::Memory(self.sorted_records().into_iter()));
        let mut heads = Vec::with_capacity(sources.len());
        for source in sources.iter_mut() {
            heads.push(source.next()?);
        }
        loop {
            let mut least: Option<usize> = None;
            for (i, head) in heads.iter().enumerate() {
                if let Some(record) = head {
                    if least.is_none_or(|l| key(record) < key(heads[l].as_ref().unwrap())) {
                        least = Some(i);
                    }
                }
            }
            let Some(least) = least else { break };
            // Each source holds a term once; the oldest run comes first, so
            // the joined buffers stay in document order.
            let first = heads[least].take().unwrap();
            heads[least] = sources[least].next()?;
            let mut parts = vec![first];
            for i in least + 1..heads.len() {
                if heads[i].as_ref().is_some_and(|r| key(r) == key(&parts[0])) {
                    parts.push(heads[i].take().unwrap());
                    heads[i] = sources[i].next()?;
                }
            }
            each(join(parts))?;
        }
        Ok(())
    }

    fn remove_runs(&mut self) {
        for path in self.run_paths.drain(..) {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn join(mut parts: Vec<Record>) -> Record {
    if parts.len() == 1 {
        return parts.pop().unwrap();
    }
    let whole = parts.iter().any(|p| p.rest.is_some());
    let mut ids = Vec::new();
    let mut rest = Vec::new();
    for part in &parts {
        ids.extend_from_slice(&part.ids);
        match &part.rest {
            Some(r) => rest.extend_from_slice(r),
            // A field that turned from presence-only to whole between runs:
            // the earlier runs' postings weighed 1.0 with no value.
            None if whole => push_presence_heads(&mut rest, part.ids.len() / 4),
            None => {}
        }
    }
    let first = parts.swap_remove(0);
    Record {
        field: first.field,
        term: first.term,
        ids,
        rest: whole.then_some(rest),
    }
}

/// A term's postings decoded from its buffers, sorted by document if a
/// merge handed them over out of order (each document's postings kept
/// together and in order).
fn decode(record: &Record) -> Postings<'_> {
    let ids: Vec<u32> = record
        .ids
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let (mut weights, mut values) = match &record.rest {
        None => (vec![1.0; ids.len()], Vec::new()),
        Some(rest) => {
            let mut weights = Vec::with_capacity(ids.len());
            let mut values = Vec::with_capacity(ids.len());
            let mut at = 0;
            for _ in 0..ids.len() {
                weights.push(f64::from_le_bytes(rest[at..at + 8].try_into().unwrap()));
                let length = u32::from_le_bytes(rest[at + 8..at + 12].try_into().unwrap()) as usize;
                values.push(&rest[at + HEAD..at + HEAD + length]);
                at += HEAD + length;
            }
            (weights, values)
        }
    };
    if ids.windows(2).all(|w| w[0] < w[1]) {
        return Postings {
            ids,
            weights,
            values,
        };
    }
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| ids[i]); // stable
    weights = order.iter().map(|&i| weights[i]).collect();
    if !values.is_empty() {
        values = order.iter().map(|&i| values[i]).collect();
    }
    Postings {
        ids: order.iter().map(|&i| ids[i]).collect(),
        weights,
        values,
    }
}

fn bytes_of<'a>(item: &'a Bound<'_, PyAny>, what: &str) -> PyResult<&'a [u8]> {
    match item.cast::<PyBytes>() {
        Ok(b) => Ok(b.as_bytes()),
        Err(_) if item.is_none() => Ok(b""),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{what} must be bytes, not {}",
            item.get_type()
        ))),
    }
}

#[pymethods]
impl PostingPool {
    #[new]
    #[pyo3(signature = (limit_bytes, tempdir, presence_fields))]
    fn new(limit_bytes: usize, tempdir: PathBuf, presence_fields: Vec<String>) -> Self {
        PostingPool {
            limit: limit_bytes,
            size: 0,
            tempdir,
            run_paths: Vec::new(),
            fields: Vec::new(),
            by_name: FxHashMap::default(),
            presence: presence_fields.into_iter().collect(),
        }
    }

    /// One posting `(fieldname, tbytes, docnum, weight, vbytes)`: how merges hand them over.
    fn add(&mut self, item: &Bound<'_, PyTuple>) -> PyResult<()> {
        let (fieldname, term, docnum, weight, value): (String, Vec<u8>, u32, f64, Option<Vec<u8>>) =
            item.extract()?;
        let size = self.field(&fieldname).post(
            &term,
            docnum.to_le_bytes(),
            weight,
            value.as_deref().unwrap_or(b""),
        );
        self.grow(size)
    }

    /// One document's `(tbytes, freq, weight, vbytes)` postings of a field;
    /// returns the field's length (the sum of frequencies when `scorable`).
    fn add_field(
        &mut self,
        fieldname: &str,
        docnum: u32,
        items: &Bound<'_, PyAny>,
        boost: f64,
        scorable: bool,
    ) -> PyResult<i64> {
        let field = self.field(fieldname);
        let doc = docnum.to_le_bytes();
        let (mut length, mut size) = (0i64, 0usize);
        for item in items.try_iter()? {
            let item = item?;
            let item = item.cast::<PyTuple>()?;
            if item.len() != 4 {
                return Err(PyTypeError::new_err(
                    "a posting is (tbytes, freq, weight, vbytes)",
                ));
            }
            let term = item.get_borrowed_item(0)?;
            let value = item.get_borrowed_item(3)?;
            let weight: f64 = item.get_borrowed_item(2)?.extract()?;
            if scorable {
                length += item.get_borrowed_item(1)?.extract::<i64>()?;
            }
            size += field.post(
                bytes_of(&term, "a term")?,
                doc,
                weight * boost,
                bytes_of(&value, "a value")?,
            );
        }
        self.grow(size)?;
        Ok(length)
    }

    /// The run files spilled so far.
    #[getter]
    fn runs(&self) -> Vec<PathBuf> {
        self.run_paths.clone()
    }

    /// Write every term's postings and terms-file records, merged from the
    /// runs and what is held.
    ///
    /// They are handed to `sink(fieldname, field_number, postings,
    /// records, arrays)` a chunk at a time, never across fields: `postings`
    /// to be written to the postings file right after the chunk before
    /// (`offset` is its position before the first), `records` likewise to
    /// the terms file (`terms_offset`). Fields are numbered in the order
    /// they come (by name). `fixed_value_sizes` maps each field to its
    /// format's `fixed_value_size()`.
    ///
    /// `arrays` maps the fields whose postings arrays are wanted to whether
    /// their word positions are (`Characters` values): `arrays` in a chunk
    /// is then a dict of the arrays of its terms in at least `min_docs`
    /// documents (see `ChunkArrays`), else None. A term's key there is
    /// where its term record sits in the terms file.
    ///
    /// Returns what closes the terms file (see `TermsFile`): the hash
    /// tables and their directory, the records' positions as an array
    /// (typecode, big-endian bytes) and their number. The pool is empty
    /// afterwards.
    #[pyo3(signature = (offset, blocklimit, compression, fixed_value_sizes, sink, *, terms_offset, arrays=None, min_docs=64, chunk_terms=8192))]
    #[allow(clippy::too_many_arguments)]
    fn write<'py>(
        &mut self,
        py: Python<'py>,
        offset: u64,
        blocklimit: usize,
        compression: u32,
        fixed_value_sizes: &Bound<'py, PyDict>,
        sink: &Bound<'py, PyAny>,
        terms_offset: u64,
        arrays: Option<&Bound<'py, PyDict>>,
        min_docs: usize,
        chunk_terms: usize,
    ) -> PyResult<(
        Bound<'py, PyBytes>,
        &'static str,
        Bound<'py, PyBytes>,
        usize,
    )> {
        let mut out = Output {
            base: offset,
            chunk: Vec::with_capacity(CHUNK_BYTES + (1 << 16)),
            terms: TermsFile::new(terms_offset),
            terms_chunk: Vec::new(),
            terms_in_chunk: 0,
            arrays: ChunkArrays::default(),
        };
        let mut current: Option<FieldLayout> = None;
        let mut fields = 0u16;
        let result = self.merge(|record| {
            if current.as_ref().is_none_or(|c| c.name != record.field) {
                if let Some(c) = &current {
                    out.flush(py, sink, c)?;
                }
                let fixed: Option<i64> = match fixed_value_sizes.get_item(&record.field)? {
                    Some(size) => size.extract()?,
                    None => None,
                };
                let positions = match arrays {
                    Some(arrays) => arrays
                        .get_item(&record.field)?
                        .map(|p| p.is_truthy())
                        .transpose()?,
                    None => None,
                };
                current = Some(FieldLayout {
                    name: record.field.clone(),
                    number: fields,
                    layout: Layout {
                        blocklimit,
                        compression,
                        fixed_value_size: fixed,
                    },
                    positions,
                });
                fields += 1;
            }
            let field = current.as_ref().unwrap();
            let postings = decode(&record);
            let at = out.base + out.chunk.len() as u64;
            let (term_record, directory) =
                blocks::write_term(&mut out.chunk, at, &postings, &field.layout);
            let key = out.terms.add(
                &mut out.terms_chunk,
                field.number,
                &record.term,
                &term_record,
            );
            out.terms_in_chunk += 1;
            if let Some(with_positions) = field.positions {
                if postings.ids.len() >= min_docs {
                    out.arrays
                        .add(key as i64, &postings, &directory, with_positions);
                }
            }
            if out.chunk.len() >= CHUNK_BYTES || out.terms_in_chunk >= chunk_terms {
                out.flush(py, sink, field)?;
            }
            Ok(())
        });
        let result = result.and_then(|()| match &current {
            Some(field) => out.flush(py, sink, field),
            None => Ok(()),
        });
        self.cleanup();
        result?;
        let (typecode, index) = out.terms.index();
        Ok((
            PyBytes::new(py, &out.terms.tables()),
            typecode,
            PyBytes::new(py, &index),
            out.terms.len(),
        ))
    }

    /// Drop what is held and remove the runs.
    fn cleanup(&mut self) {
        self.remove_runs();
        for field in &mut self.fields {
            field.terms = FxHashMap::default();
        }
        self.size = 0;
    }
}

impl Drop for PostingPool {
    fn drop(&mut self) {
        self.remove_runs();
    }
}
