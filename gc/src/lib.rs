//! Cairn's object memory: oops, headers, spaces, allocation, barrier and the precise generational collector.
