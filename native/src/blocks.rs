//! One term's postings as Whoosh's W3 codec lays them out.
//!
//! The postings' magic, then per block of at most `blocklimit` postings:
//! its length as a big-endian int (negative for the term's last block), the
//! block info pickled at protocol 2 (postings, last document, largest
//! weight, compression level, shortest and longest length as bytes) and the
//! block data pickled at protocol 5, maybe zlib-compressed: (delta-coded
//! documents, weights, values), each shrunk as `W3PostingsWriter` shrinks
//! them. The term's record in the terms file is `W3TermInfo.to_bytes`.

use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use crate::pickle;

const MAGIC: &[u8] = b"W3Bl";
/// A term with this few postings in the segment gets its one block unzipped:
/// zlib's set-up per call was a fifth of writing the postings (most terms of
/// a segment are this rare), and such blocks hardly shrink. Readers find
/// each block's compression in its header.
pub const SMALL_TERM: usize = 4;
const BLOCK_PROTOCOL: u8 = 5;
const NO_ID: u32 = 0xFFFF_FFFF;

/// How a field's postings are written: the codec's settings and the
/// format's fixed value size (`Format.fixed_value_size()`).
pub struct Layout {
    pub blocklimit: usize,
    pub compression: u32,
    pub fixed_value_size: Option<i64>,
}

/// A term's postings in document order.
pub struct Postings<'a> {
    pub ids: Vec<u32>,
    pub weights: Vec<f64>,
    /// One per posting (empty where none), or no values at all.
    pub values: Vec<&'a [u8]>,
}

#[derive(Default)]
struct TermStats {
    weight: f64,
    df: u32,
    max_weight: f64,
    min_id: Option<u32>,
    max_id: Option<u32>,
}

/// A block's last document and the postings file position of its length.
pub type BlockEntry = (u32, u64);

/// Append the term's postings to `out`, whose end is at `offset` in the
/// postings file; returns the term's record for the terms file and its
/// block directory.
pub fn write_term(
    out: &mut Vec<u8>,
    offset: u64,
    postings: &Postings,
    layout: &Layout,
) -> (Vec<u8>, Vec<BlockEntry>) {
    let start = out.len();
    let count = postings.ids.len();
    let compression = if count <= SMALL_TERM {
        0
    } else {
        layout.compression
    };
    let with_values = postings.values.iter().any(|v| !v.is_empty());
    let every_value = with_values && postings.values.iter().all(|v| !v.is_empty());
    let mut stats = TermStats::default();
    let mut data = Vec::new();
    let mut info = Vec::new();
    let mut directory = Vec::new();
    out.extend_from_slice(MAGIC);
    let mut begin = 0;
    while begin < count {
        let end = (begin + layout.blocklimit).min(count);
        let ids = &postings.ids[begin..end];
        let weights = &postings.weights[begin..end];
        // What `add_posting` keeps: only the non-empty values.
        let values: Vec<&[u8]> = if every_value {
            postings.values[begin..end].to_vec()
        } else if with_values {
            postings.values[begin..end]
                .iter()
                .copied()
                .filter(|v| !v.is_empty())
                .collect()
        } else {
            Vec::new()
        };
        // `max(0, max(weights))`: an int 0 when no weight is above zero.
        let top = weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let block_max = if top > 0.0 { Some(top) } else { None };
        stats.weight += weights.iter().map(|&w| (w as f32) as f64).sum::<f64>();
        stats.df += ids.len() as u32;
        stats.max_weight = stats.max_weight.max(block_max.unwrap_or(0.0));
        stats.min_id.get_or_insert(ids[0]);
        stats.max_id = Some(ids[ids.len() - 1]);

        data.clear();
        block_data(&mut data, ids, weights, &values, layout.fixed_value_size);
        if compression > 0 {
            let mut zipped = ZlibEncoder::new(Vec::new(), Compression::new(compression));
            zipped.write_all(&data).expect("writing to memory");
            data = zipped.finish().expect("writing to memory");
        }
        info.clear();
        block_info(
            &mut info,
            ids.len(),
            ids[ids.len() - 1],
            block_max,
            compression,
        );
        let length = (info.len() + data.len()) as i32;
        let last = end == count;
        directory.push((ids[ids.len() - 1], offset + (out.len() - start) as u64));
        out.extend_from_slice(&(if last { -length } else { length }).to_be_bytes());
        out.extend_from_slice(&info);
        out.extend_from_slice(&data);
        begin = end;
    }
    (
        term_record(&stats, offset, (out.len() - start) as i32),
        directory,
    )
}

fn block_data(
    out: &mut Vec<u8>,
    ids: &[u32],
    weights: &[f64],
    values: &[&[u8]],
    fixed: Option<i64>,
) {
    pickle::start(out, BLOCK_PROTOCOL);
    pickle::open_tuple(out, ids.len());
    let mut base = 0i64;
    for &id in ids {
        pickle::int(out, id as i64 - base);
        base = id as i64;
    }
    pickle::close_tuple(out, ids.len());
    // Weights as the float32 array Whoosh keeps them in.
    let first = weights[0] as f32;
    if weights.iter().all(|&w| w as f32 == 1.0) {
        pickle::none(out);
    } else if weights.iter().all(|&w| w as f32 == first) {
        pickle::float(out, first as f64);
    } else {
        pickle::open_tuple(out, weights.len());
        for &w in weights {
            pickle::float(out, (w as f32) as f64);
        }
        pickle::close_tuple(out, weights.len());
    }
    match fixed {
        Some(0) => pickle::none(out),
        Some(size) if size > 0 => pickle::bytes(out, &values.concat()),
        _ => {
            pickle::open_tuple(out, values.len());
            for value in values {
                pickle::bytes(out, value);
            }
            pickle::close_tuple(out, values.len());
        }
    }
    pickle::close_tuple(out, 3);
    pickle::stop(out);
}

fn block_info(
    out: &mut Vec<u8>,
    count: usize,
    last_id: u32,
    max_weight: Option<f64>,
    compression: u32,
) {
    pickle::start(out, 2);
    pickle::open_tuple(out, 6);
    pickle::int(out, count as i64);
    pickle::int(out, last_id as i64);
    match max_weight {
        Some(w) => pickle::float(out, w),
        None => pickle::int(out, 0),
    }
    pickle::int(out, compression as i64);
    pickle::int(out, 0); // no lengths are kept (see `schema.codec`)
    pickle::int(out, 0);
    pickle::close_tuple(out, 6);
    pickle::memoize(out, 0);
    pickle::stop(out);
}

/// `W3TermInfo.to_bytes` of a term written to the postings file ("!BfIBBfII",
/// then the extent as "!q" and "!i").
fn term_record(stats: &TermStats, offset: u64, length: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(34);
    out.push(0); // not inlined
    out.extend_from_slice(&(stats.weight as f32).to_be_bytes());
    out.extend_from_slice(&stats.df.to_be_bytes());
    out.push(0); // shortest and longest length: none kept
    out.push(0);
    out.extend_from_slice(&(stats.max_weight as f32).to_be_bytes());
    out.extend_from_slice(&stats.min_id.unwrap_or(NO_ID).to_be_bytes());
    out.extend_from_slice(&stats.max_id.unwrap_or(NO_ID).to_be_bytes());
    out.extend_from_slice(&(offset as i64).to_be_bytes());
    out.extend_from_slice(&length.to_be_bytes());
    out
}
