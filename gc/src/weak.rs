//! What both collectors do once tracing is over: ephemerons whose key did not survive
//! get every slot set to nil, and each weak slot is either updated (its referent
//! survived, maybe at a new address) or set to nil.

use crate::object;

/// Clears the ephemerons in `dead_key` and resolves the weak slots of `weak`.
/// `resolve(v)` returns the new value of a weak slot holding `v`: `v` itself, the
/// referent's new address, or `nil`. Answers how many references died: the ephemerons
/// cleared plus the weak slots set to nil (for [`crate::CollectionStats::weak_cleared`]).
///
/// # Safety
/// Every address must be a live object of the heap: ephemerons in `dead_key`, weak
/// objects in `weak`.
pub(crate) unsafe fn clear_dead_referents(
    dead_key: &[usize],
    weak: &[usize],
    nil: u64,
    mut resolve: impl FnMut(u64) -> u64,
) -> usize {
    let mut cleared = dead_key.len();
    for &e in dead_key {
        // SAFETY: `e` is a live ephemeron (caller's contract).
        unsafe { object::slots_mut(e, 0..object::body_words(e, object::header(e))) }.fill(nil);
    }
    for &w in weak {
        // SAFETY: `w` is a live weak object; its indexed slots follow the named ones.
        let slots = unsafe {
            let h = object::header(w);
            object::slots_mut(w, object::prefix_fixed(w, h)..object::body_words(w, h))
        };
        for v in slots {
            let was = *v;
            *v = resolve(was);
            cleared += usize::from(*v == nil && was != nil);
        }
    }
    cleared
}
