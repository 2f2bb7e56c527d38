//! The VM record's encoding: little-endian integers, length-prefixed strings and byte
//! strings, and Oops kept aside in a list (they become image roots, which the heap's
//! image format relocates). [`Out`] writes; [`In`] reads back in the same order and
//! answers an error, never a panic, at the first thing that does not fit.

use cairn_gc::Oop;

/// A record being written: its bytes and, in order, the Oops it names.
#[derive(Default)]
pub(crate) struct Out {
    pub(crate) bytes: Vec<u8>,
    pub(crate) oops: Vec<Oop>,
}

impl Out {
    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.u8(v as u8);
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A count or index (a `usize` in memory, 64 bits in the record).
    pub(crate) fn len(&mut self, v: usize) {
        self.u64(v as u64);
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.bytes.extend_from_slice(b);
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    pub(crate) fn oop(&mut self, o: Oop) {
        self.oops.push(o);
    }

    pub(crate) fn u32s(&mut self, v: &[u32]) {
        self.len(v.len());
        v.iter().for_each(|&x| self.u32(x));
    }

    pub(crate) fn oops(&mut self, v: &[Oop]) {
        self.len(v.len());
        v.iter().for_each(|&o| self.oop(o));
    }
}

/// A record being read.
pub(crate) struct In<'a> {
    bytes: &'a [u8],
    at: usize,
    oops: &'a [Oop],
    next_oop: usize,
}

/// A record that does not decode: what was expected.
pub(crate) type Bad = String;

impl<'a> In<'a> {
    pub(crate) fn new(bytes: &'a [u8], oops: &'a [Oop]) -> In<'a> {
        In {
            bytes,
            at: 0,
            oops,
            next_oop: 0,
        }
    }

    /// True when every byte and every Oop was read.
    pub(crate) fn finished(&self) -> bool {
        self.at == self.bytes.len() && self.next_oop == self.oops.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Bad> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!("the record ends at byte {}", self.bytes.len()));
        };
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Bad> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn bool(&mut self) -> Result<bool, Bad> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("a flag of {b}")),
        }
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Bad> {
        let mut w = [0; 4];
        w.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(w))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Bad> {
        let mut w = [0; 8];
        w.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(w))
    }

    /// A count of items each at least `min_bytes` long in the record (so a corrupt
    /// count cannot make a reader reserve more than the record could hold).
    pub(crate) fn count(&mut self, min_bytes: usize) -> Result<usize, Bad> {
        let n = self.u64()?;
        let left = (self.bytes.len() - self.at) as u64;
        if n.saturating_mul(min_bytes.max(1) as u64) > left.max(self.oops.len() as u64) {
            return Err(format!("a count of {n} with {left} bytes left"));
        }
        Ok(n as usize)
    }

    /// An index or size that fits a `usize`.
    pub(crate) fn len(&mut self) -> Result<usize, Bad> {
        let n = self.u64()?;
        usize::try_from(n).map_err(|_| format!("a size of {n}"))
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Bad> {
        let n = self.count(1)?;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, Bad> {
        std::str::from_utf8(self.bytes()?).map_err(|_| "a name that is not UTF-8".to_string())
    }

    pub(crate) fn oop(&mut self) -> Result<Oop, Bad> {
        let o = self
            .oops
            .get(self.next_oop)
            .copied()
            .ok_or_else(|| format!("more than the {} saved roots", self.oops.len()))?;
        self.next_oop += 1;
        Ok(o)
    }

    pub(crate) fn u32s(&mut self) -> Result<Vec<u32>, Bad> {
        let n = self.count(4)?;
        (0..n).map(|_| self.u32()).collect()
    }

    pub(crate) fn oops(&mut self) -> Result<Vec<Oop>, Bad> {
        let n = self.count(0)?;
        (0..n).map(|_| self.oop()).collect()
    }
}
