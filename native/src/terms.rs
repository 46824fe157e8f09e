//! The terms file of a segment: Whoosh's `OrderedHashWriter` layout, written here.
//!
//! Each term's record (two big-endian lengths, the key, which is the
//! field's number and the term, and the term record) follows the one before;
//! at the end come 256 hash tables of (MD5-derived hash, record position)
//! pointers with linear probing, their directory, and (written by the
//! Python side, `posting_pool.PackedTermsFile`) the pickled extras and the
//! array of record positions. `OrderedHashWriter` kept a Python tuple per
//! term for the tables until the segment was closed: at 25,000 articles a
//! segment, most of a worker's memory growth while it wrote one.

use md5::{Digest, Md5};

pub struct TermsFile {
    /// The file position of the next record.
    pub at: u64,
    buckets: Vec<Vec<(u32, u64)>>,
    positions: Vec<u64>,
}

impl TermsFile {
    pub fn new(at: u64) -> Self {
        TermsFile {
            at,
            buckets: vec![Vec::new(); 256],
            positions: Vec::new(),
        }
    }

    /// Append one record to `out`; returns where its value (the term record) starts.
    pub fn add(&mut self, out: &mut Vec<u8>, field: u16, term: &[u8], value: &[u8]) -> u64 {
        let mut key = Vec::with_capacity(2 + term.len());
        key.extend_from_slice(&field.to_be_bytes());
        key.extend_from_slice(term);
        out.extend_from_slice(&(key.len() as i32).to_be_bytes());
        out.extend_from_slice(&(value.len() as i32).to_be_bytes());
        out.extend_from_slice(&key);
        out.extend_from_slice(value);
        // `md5_hash`: the digest as a big-endian number, its low 32 bits.
        let digest = Md5::digest(&key);
        let hash = u32::from_be_bytes(digest[12..16].try_into().unwrap());
        self.buckets[(hash & 255) as usize].push((hash, self.at));
        self.positions.push(self.at);
        let value_at = self.at + 8 + key.len() as u64;
        self.at = value_at + value.len() as u64;
        value_at
    }

    /// The hash tables and their directory, to be written at `self.at`.
    pub fn tables(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut directory = Vec::with_capacity(256);
        let mut at = self.at;
        for entries in &self.buckets {
            let slots = 2 * entries.len();
            directory.push((at, slots as i32));
            let mut table = vec![(0u32, 0u64); slots];
            for &(hash, position) in entries {
                let mut slot = (hash >> 8) as usize % slots;
                while table[slot] != (0, 0) {
                    slot = (slot + 1) % slots;
                }
                table[slot] = (hash, position);
            }
            for (hash, position) in table {
                out.extend_from_slice(&hash.to_be_bytes());
                out.extend_from_slice(&position.to_be_bytes());
            }
            at += 12 * slots as u64;
        }
        for (position, slots) in directory {
            out.extend_from_slice(&position.to_be_bytes());
            out.extend_from_slice(&slots.to_be_bytes());
        }
        out
    }

    /// The records' positions as `GrowableArray` would have them: its typecode
    /// (the narrowest of H, i, I, q that holds the largest) and the array
    /// written big-endian, as `StructFile.write_array` writes it.
    pub fn index(&self) -> (&'static str, Vec<u8>) {
        let largest = self.positions.last().copied().unwrap_or(0);
        let mut out = Vec::new();
        let code = if largest < 1 << 16 {
            self.positions
                .iter()
                .for_each(|&p| out.extend_from_slice(&(p as u16).to_be_bytes()));
            "H"
        } else if largest < 1 << 31 {
            self.positions
                .iter()
                .for_each(|&p| out.extend_from_slice(&(p as i32).to_be_bytes()));
            "i"
        } else if largest < 1 << 32 {
            self.positions
                .iter()
                .for_each(|&p| out.extend_from_slice(&(p as u32).to_be_bytes()));
            "I"
        } else {
            self.positions
                .iter()
                .for_each(|&p| out.extend_from_slice(&(p as i64).to_be_bytes()));
            "q"
        };
        (code, out)
    }

    pub fn len(&self) -> usize {
        self.positions.len()
    }
}
