//! Recompilation when a compiled method's inline caches learn more after it compiled
//! (docs/design/jit.md §6.4). A method compiled while some of its send sites were
//! still empty (a loop compiled on its back-edge before the code after it ran, a
//! branch not taken yet) sends through the runtime at those sites for as long as it
//! runs. `rt_send` counts such generic sends per method ([`TierWatch`]); every
//! [`LOOK_EVERY`] of them it counts the method's sites that have met a receiver, and
//! when more have than at compile time, compiles the method again (at most
//! [`MAX_RECOMPILES`] times). The running activation moves to the new code at once:
//! the send answers `LEAVE`, and the dispatch loop re-enters the frame's (new) native
//! entry at the send's resume point. Old code is never freed while the tier lives
//! (one `JITModule`), so activations still running it stay sound.

use crate::methods::MethodInfo;
use crate::tier::status::{CONTINUE, ENTER, LEAVE};
use crate::tier::TierState;
use crate::vm::Vm;

/// Generic sends from one method's native code between two looks at its caches.
const LOOK_EVERY: u32 = 256;
/// Compilations of one method after its first (a site that keeps changing stays
/// generic rather than recompiling without end).
const MAX_RECOMPILES: u8 = 3;

/// A compiled method's recompilation bookkeeping.
#[derive(Clone, Copy, Debug, Default)]
pub struct TierWatch {
    /// Generic sends since the last look.
    slow_sends: u32,
    /// [`cache_weight`] when the method last compiled.
    weight: u32,
    /// Recompilations so far.
    recompiles: u8,
}

/// How much the method's own send sites know: how many of them have met a receiver.
/// Only a site that was empty counts: one that grows from monomorphic to polymorphic
/// or megamorphic keeps its inline cases and sends the rest generically, and compiling
/// it again as megamorphic would lose the inline case of its first class (a
/// benchmark's shared site seeing one, then three, then eight classes ran 1.3x the
/// instructions that way). Caches only grow between flushes.
fn cache_weight(m: &MethodInfo) -> u32 {
    m.sites.iter().filter(|s| s.len > 0).count() as u32
}

impl TierWatch {
    /// The watch of a method that just compiled.
    pub(crate) fn compiled(m: &MethodInfo) -> TierWatch {
        TierWatch {
            slow_sends: 0,
            weight: cache_weight(m),
            recompiles: m.tier_watch.recompiles,
        }
    }
}

impl Vm {
    /// After a generic send from the native code of `method` that answered `status`:
    /// recompiles the method when its caches filled since it compiled, and then
    /// answers `LEAVE` so the running activation continues in the new code.
    pub(crate) fn watch_slow_send(&mut self, method: *mut MethodInfo, status: u32) -> u32 {
        // SAFETY: frames name boxed MethodInfos that are never freed.
        let m = unsafe { &mut *method };
        m.tier_watch.slow_sends += 1;
        if m.tier_watch.slow_sends < LOOK_EVERY {
            return status;
        }
        m.tier_watch.slow_sends = 0;
        if m.tier_state != TierState::Compiled
            || m.tier_watch.recompiles >= MAX_RECOMPILES
            || cache_weight(m) <= m.tier_watch.weight
        {
            return status;
        }
        m.tier_watch.recompiles += 1;
        m.tier_state = TierState::Cold;
        self.tier_up(method);
        self.tier.recompiles += 1;
        match status {
            CONTINUE | ENTER => LEAVE,
            other => other,
        }
    }
}
