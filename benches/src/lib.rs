//! Criterion and iai-callgrind benches of Cairn's internals live in `benches/benches/`; this library holds only shared helpers.
