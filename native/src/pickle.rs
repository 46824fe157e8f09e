//! Just enough of Python's pickle format to write a posting block.
//!
//! Whoosh stores each block as a pickled tuple and reads it back with
//! `pickle.loads`, so the bytes only have to be a valid pickle of the same
//! values. The opcodes are the ones CPython's pickler would choose; the
//! block data carries no frame and no memo (both optional for a reader),
//! the block info is byte for byte what protocol 2 gives.

const MARK: u8 = b'(';
const STOP: u8 = b'.';
const TUPLE: u8 = b't';
const EMPTY_TUPLE: u8 = b')';
const TUPLE1: u8 = 0x85;
const BININT: u8 = b'J';
const BININT1: u8 = b'K';
const BININT2: u8 = b'M';
const LONG1: u8 = 0x8a;
const BINFLOAT: u8 = b'G';
const NONE: u8 = b'N';
const SHORT_BINBYTES: u8 = b'C';
const BINBYTES: u8 = b'B';
const BINPUT: u8 = b'q';
const LONG_BINPUT: u8 = b'r';

pub fn start(out: &mut Vec<u8>, protocol: u8) {
    out.push(0x80);
    out.push(protocol);
}

pub fn stop(out: &mut Vec<u8>) {
    out.push(STOP);
}

/// Before the items of a tuple of `n`: a mark when no opcode builds it whole.
pub fn open_tuple(out: &mut Vec<u8>, n: usize) {
    if n > 3 {
        out.push(MARK);
    }
}

/// After the items of a tuple of `n`.
pub fn close_tuple(out: &mut Vec<u8>, n: usize) {
    match n {
        0 => out.push(EMPTY_TUPLE),
        1..=3 => out.push(TUPLE1 + (n as u8 - 1)),
        _ => out.push(TUPLE),
    }
}

/// Protocol 2's memo entry `index`, as CPython writes it after a tuple or list.
pub fn memoize(out: &mut Vec<u8>, index: usize) {
    if index < 256 {
        out.push(BINPUT);
        out.push(index as u8);
    } else {
        out.push(LONG_BINPUT);
        out.extend_from_slice(&(index as u32).to_le_bytes());
    }
}

pub fn int(out: &mut Vec<u8>, value: i64) {
    if (0..=0xff).contains(&value) {
        out.push(BININT1);
        out.push(value as u8);
    } else if (0..=0xffff).contains(&value) {
        out.push(BININT2);
        out.extend_from_slice(&(value as u16).to_le_bytes());
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&value) {
        out.push(BININT);
        out.extend_from_slice(&(value as i32).to_le_bytes());
    } else {
        // Little-endian two's complement, as short as the sign allows.
        let bytes = value.to_le_bytes();
        let mut n = bytes.len();
        while n > 1 {
            let (last, sign) = (bytes[n - 1], bytes[n - 2] & 0x80);
            if (last == 0 && sign == 0) || (last == 0xff && sign != 0) {
                n -= 1;
            } else {
                break;
            }
        }
        out.push(LONG1);
        out.push(n as u8);
        out.extend_from_slice(&bytes[..n]);
    }
}

pub fn float(out: &mut Vec<u8>, value: f64) {
    out.push(BINFLOAT);
    out.extend_from_slice(&value.to_be_bytes());
}

pub fn none(out: &mut Vec<u8>) {
    out.push(NONE);
}

pub fn bytes(out: &mut Vec<u8>, value: &[u8]) {
    if value.len() < 256 {
        out.push(SHORT_BINBYTES);
        out.push(value.len() as u8);
    } else {
        out.push(BINBYTES);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(value);
}
