//! Runs: a pool's terms spilled to a temporary file, sorted, one record per term.
//!
//! A record is the field's name, the term, its documents (little-endian
//! u32) and, unless the field keeps presence only, its packed weights and
//! values, each behind its length. Runs are read back in order and merged
//! term by term when the segment is written.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

pub struct Record {
    pub field: String,
    pub term: Vec<u8>,
    pub ids: Vec<u8>,
    pub rest: Option<Vec<u8>>,
}

pub struct RunWriter {
    out: BufWriter<File>,
}

impl RunWriter {
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = File::options().write(true).create_new(true).open(path)?;
        Ok(RunWriter {
            out: BufWriter::with_capacity(1 << 20, file),
        })
    }

    pub fn write(
        &mut self,
        field: &str,
        term: &[u8],
        ids: &[u8],
        rest: Option<&[u8]>,
    ) -> io::Result<()> {
        let out = &mut self.out;
        out.write_all(&(field.len() as u32).to_le_bytes())?;
        out.write_all(field.as_bytes())?;
        for part in [term, ids] {
            out.write_all(&(part.len() as u32).to_le_bytes())?;
            out.write_all(part)?;
        }
        match rest {
            None => out.write_all(&[0]),
            Some(rest) => {
                out.write_all(&[1])?;
                out.write_all(&(rest.len() as u32).to_le_bytes())?;
                out.write_all(rest)
            }
        }
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

pub struct RunReader {
    input: BufReader<File>,
}

impl RunReader {
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(RunReader {
            input: BufReader::with_capacity(1 << 20, File::open(path)?),
        })
    }

    fn part(&mut self) -> io::Result<Vec<u8>> {
        let mut len = [0u8; 4];
        self.input.read_exact(&mut len)?;
        let mut part = vec![0u8; u32::from_le_bytes(len) as usize];
        self.input.read_exact(&mut part)?;
        Ok(part)
    }

    /// The next record, or None at the end of the run.
    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        let mut len = [0u8; 4];
        match self.input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut field = vec![0u8; u32::from_le_bytes(len) as usize];
        self.input.read_exact(&mut field)?;
        let field =
            String::from_utf8(field).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let term = self.part()?;
        let ids = self.part()?;
        let mut flag = [0u8; 1];
        self.input.read_exact(&mut flag)?;
        let rest = if flag[0] == 1 {
            Some(self.part()?)
        } else {
            None
        };
        Ok(Some(Record {
            field,
            term,
            ids,
            rest,
        }))
    }
}
