//! Cairn's image tracer: clone, clamp, replace, rehash, scrub, convert.
