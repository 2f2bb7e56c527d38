//! Where the generator's decisions come from: [`Rng`] (a seeded xorshift, for the test
//! suite: a failure names its seed) and [`ByteChoices`] (the fuzzer's input read as a
//! stream of decisions, so that mutating a byte changes one grammar choice).

/// A source of decisions. `pick(n)` answers a number below `n` (`n >= 1`). Alternative 0
/// of every grammar choice is the smallest, so an exhausted source ends generation fast.
pub trait Choices {
    /// A number in `0..n`.
    fn pick(&mut self, n: usize) -> usize;

    /// True with probability about `num / den`.
    fn chance(&mut self, num: usize, den: usize) -> bool {
        self.pick(den) < num
    }
}

/// xorshift64*: small, fast and reproducible from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Choices for Rng {
    fn pick(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// The fuzzer's bytes as decisions: each pick consumes one byte (two when `n > 256`);
/// once the input is used up every pick answers 0.
#[derive(Clone, Debug)]
pub struct ByteChoices<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> ByteChoices<'a> {
    /// Decisions read from `data`.
    pub fn new(data: &'a [u8]) -> ByteChoices<'a> {
        ByteChoices { data, at: 0 }
    }

    fn byte(&mut self) -> usize {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b as usize
    }

    /// Whether every byte has been read.
    pub fn exhausted(&self) -> bool {
        self.at >= self.data.len()
    }
}

impl Choices for ByteChoices<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let n = n.max(1);
        if self.exhausted() {
            return 0;
        }
        let raw = if n > 256 {
            self.byte() << 8 | self.byte()
        } else {
            self.byte()
        };
        raw % n
    }
}
