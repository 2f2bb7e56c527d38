//! The virtual machine object: heap plus [`State`], bootstrap, and the entry points the
//! `cairn` command uses ([`Vm::run_program`], [`Vm::eval`]).

use rustc_hash::FxHashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::Instant;

use cairn_gc::{ClassIndex, Heap, HeapConfig, Oop};

use crate::interp::frame_stack::FrameStack;
use crate::interp::frames::StackLimits;
use crate::state::{Known, Specials, State, INITIAL_STACK_SLOTS};

/// The memory budget of a VM made by [`Vm::new`]: 1 GiB.
pub const DEFAULT_MAX_HEAP: usize = 1 << 30;

/// Smallest `--max-heap` the VM boots and runs small programs with.
pub const MIN_MAX_HEAP: usize = 8 << 20;

/// The most slots the process stack may have under a memory budget: a quarter of it
/// (between 2^16 slots and `STACK_SLOTS`); a sixteenth of that is kept for handling
/// `StackOverflow` (`StackLimits`).
fn stack_slots(max_heap_bytes: usize) -> usize {
    (max_heap_bytes / 4 / std::mem::size_of::<Oop>()).clamp(1 << 16, crate::state::STACK_SLOTS)
}

/// Why the VM stopped running Smalltalk.
#[derive(Debug)]
pub enum VmError {
    /// `system exit: n` (or an unhandled error, status 1).
    Exit(i32),
    /// A compile or class-loading error (exit status 2), already formatted.
    Compile(String),
    /// The heap is exhausted.
    OutOfMemory,
    /// An internal error the VM cannot turn into a Smalltalk exception.
    Fatal(String),
    /// The run was stopped from outside (`InterruptHandle::stop`: a time limit, a
    /// watchdog); its frames remain until `Vm::abandon_run`.
    Interrupted,
    /// Every process waits and nothing can wake one (no deadline): the process audit
    /// (docs/design/processes.md).
    Deadlock(String),
}

impl fmt::Display for VmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VmError::Exit(n) => write!(f, "exit {n}"),
            VmError::Compile(m) => write!(f, "{m}"),
            VmError::OutOfMemory => write!(
                f,
                "OutOfMemory: out of memory, with no memory left to signal it"
            ),
            VmError::Fatal(m) => write!(f, "fatal: {m}"),
            VmError::Interrupted => write!(
                f,
                "interrupted: the program was stopped (a time limit or an interrupt request)"
            ),
            VmError::Deadlock(audit) => write!(
                f,
                "deadlock: every process waits and nothing can wake one\n{audit}"
            ),
        }
    }
}

impl VmError {
    /// The process exit status this error maps to.
    pub fn exit_status(&self) -> i32 {
        match self {
            VmError::Exit(n) => *n,
            VmError::Compile(_) => 2,
            VmError::OutOfMemory | VmError::Fatal(_) => 1,
            // As timeout(1) reports a command it stopped.
            VmError::Interrupted => 124,
            VmError::Deadlock(_) => DEADLOCK_STATUS,
        }
    }
}

/// The exit status of a program that deadlocked (`VmError::Deadlock`).
pub const DEADLOCK_STATUS: i32 = 3;

/// Results inside the VM.
pub type VmResult<T> = Result<T, VmError>;

/// The Cairn virtual machine.
pub struct Vm {
    pub(crate) heap: Heap,
    pub(crate) s: State,
    pub(crate) class_path: Vec<PathBuf>,
    /// Classes being loaded (cycle detection) and names known to be absent.
    pub(crate) loading: Vec<String>,
    pub(crate) absent: rustc_hash::FxHashSet<String>,
    /// Where the next `StackOverflow` is signalled (frames and slots).
    pub(crate) limits: StackLimits,
    /// `OutOfMemory` signals in progress: (process, depth, serial of the signal's first
    /// frame), see `Vm::out_of_memory_again`.
    pub(crate) oom_signals: Vec<(crate::sched::process::Pid, usize, u64)>,
    pub(crate) interrupt: Arc<AtomicU32>,
    /// What the VM thread sleeps on when every process waits (a stop request wakes it).
    pub(crate) waker: Arc<crate::sched::timer::Waker>,
    pub(crate) start: Instant,
    pub(crate) next_class_index: u32,
    pub(crate) rng: u64,
    /// The kernel's ObjectProtocol class, once looked for.
    pub(crate) protocol: Option<Option<ClassIndex>>,
    /// Class indices reserved by name (class, metaclass).
    pub(crate) reserved: FxHashMap<String, (ClassIndex, ClassIndex)>,
    /// Instance variables of class `Class` (the fields every class object has).
    pub(crate) class_instance_fields: Vec<String>,
    /// Class indices by the identity hash of their class object.
    pub(crate) class_by_hash: FxHashMap<u32, Vec<u32>>,
    /// The native tier, its policy and counters (`vm/src/tier/`).
    pub(crate) tier: crate::tier::TierSlot,
    /// Where methods' tier-up countdowns start (0 = never: no tier, or mode off).
    pub(crate) tier_trigger: u32,
}

impl Vm {
    /// A VM with the given class path (searched before the embedded kernel), booted:
    /// the core kernel classes are loaded. Its memory budget is [`DEFAULT_MAX_HEAP`].
    pub fn new(class_path: Vec<PathBuf>) -> VmResult<Vm> {
        Vm::with_max_heap(class_path, DEFAULT_MAX_HEAP)
    }

    /// A VM whose heap and growing Rust-side tables stay under `max_heap_bytes`
    /// (`--max-heap`, `CAIRN_MAX_HEAP`; docs/design/gc.md, "The memory budget"): past
    /// it the program gets `OutOfMemory`.
    pub fn with_max_heap(class_path: Vec<PathBuf>, max_heap_bytes: usize) -> VmResult<Vm> {
        Vm::with_heap_config(
            class_path,
            HeapConfig::default().with_max_heap(max_heap_bytes),
        )
    }

    /// A booted VM whose heap is made with `config` (`cairn build` fixes the identity-hash
    /// seed this way, so that the same sources give the same image).
    pub fn with_heap_config(class_path: Vec<PathBuf>, config: HeapConfig) -> VmResult<Vm> {
        let heap = Heap::new(config)
            .map_err(|e| VmError::Fatal(format!("cannot create the heap: {e}")))?;
        let mut vm = Vm::assemble(heap, class_path);
        vm.bootstrap()?;
        Ok(vm)
    }

    /// A VM around `heap` with empty tables, not booted: [`Vm::with_heap_config`] boots
    /// it, an image load (`vm/src/image/`) fills its tables from the image.
    pub(crate) fn assemble(heap: Heap, class_path: Vec<PathBuf>) -> Vm {
        let max_heap_bytes = heap.config().max_heap_bytes;
        let zero = Oop::small_int(0);
        let next_class_index = heap.class_table_len().max(ClassIndex::FIRST_FREE.index()) as u32;
        let limits = StackLimits::new(stack_slots(max_heap_bytes));
        let start = Instant::now();
        let mut vm = Vm {
            heap,
            s: State {
                stack: vec![zero; INITIAL_STACK_SLOTS],
                stack_base: std::ptr::null_mut(),
                stack_slots: 0,
                sp: 0,
                frames: FrameStack::with_capacity(1024),
                next_serial: 1,
                swaps: 0,
                symbols: Default::default(),
                global_values: Vec::new(),
                global_bound: Vec::new(),
                global_slot: Vec::new(),
                methods: Vec::new(),
                young_methods: Vec::new(),
                all_methods_suspect: false,
                classes: Vec::new(),
                specials: Specials {
                    nil: zero,
                    true_: zero,
                    false_: zero,
                    system: zero,
                },
                char_strings: Vec::new(),
                unwinds: Vec::new(),
                unwind_values: Vec::new(),
                scratch: Vec::new(),
                lookup_cache: crate::state::LookupCache::new(),
                protocol_cache: crate::state::LookupCache::new(),
                known: Known::default(),
                sched: crate::sched::Scheduler::new(start, limits),
                io: crate::io::Io::default(),
                floor: 0,
            },
            class_path,
            loading: Vec::new(),
            absent: Default::default(),
            limits,
            oom_signals: Vec::new(),
            interrupt: Arc::new(AtomicU32::new(0)),
            waker: Arc::default(),
            start,
            next_class_index,
            rng: 0x2545_F491_4F6C_DD1D,
            protocol: None,
            reserved: FxHashMap::default(),
            class_instance_fields: Vec::new(),
            class_by_hash: FxHashMap::default(),
            tier: Default::default(),
            tier_trigger: 0,
        };
        vm.s.stack_base = vm.s.stack.as_mut_ptr();
        vm.s.stack_slots = vm.s.stack.len();
        vm
    }

    /// Binds (or rebinds) global `name`; its symbol becomes pinned (global slots are
    /// indexed by symbol id and never freed).
    pub(crate) fn set_global(&mut self, id: u32, value: Oop) {
        self.s.symbols.pin(id);
        let slot = self.s.global_slot[id as usize];
        if slot == u32::MAX {
            self.s.global_slot[id as usize] = self.s.global_values.len() as u32;
            self.s.global_values.push(value);
            self.s.global_bound.push(true);
        } else {
            self.s.global_values[slot as usize] = value;
            self.s.global_bound[slot as usize] = true;
        }
    }

    /// Virtual time (`cairn run --virtual-time`): the scheduler's clock (and `System>>time`)
    /// stands still while a process can run and jumps to the next deadline when every
    /// process waits, so timed programs run at once and print the same every run.
    pub fn set_virtual_time(&mut self) {
        self.s.sched.clock.make_virtual();
    }

    /// Time slice among processes of equal priority (`--time-slice MS`; 0 = none, the
    /// default): the running process yields to an equal one at its first safepoint
    /// after `ms` milliseconds.
    pub fn set_time_slice(&mut self, ms: u64) {
        self.s.sched.slice_us = ms.saturating_mul(1000);
        if ms > 0 {
            self.start_timer_thread();
        }
    }

    /// Collects at every `n`-th allocation from now on (0 = off): `CAIRN_GC_STRESS` for
    /// a VM made in-process (tests).
    pub fn set_gc_stress(&mut self, n: u32) {
        self.heap.set_stress_interval(n);
    }

    /// Runs a program the SOM way: `system initialize: #('ClassName' args...)`.
    pub fn run_program(&mut self, args: &[String]) -> VmResult<()> {
        self.guarded(|vm| vm.run_program_unguarded(args))
    }

    /// Runs `f`, turning a Rust panic (a VM bug) into a fatal error that names it; the
    /// Smalltalk stack at that point is printed by [`Vm::report`].
    fn guarded<T>(&mut self, f: impl FnOnce(&mut Vm) -> VmResult<T>) -> VmResult<T> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self))) {
            Ok(r) => r,
            Err(payload) => Err(VmError::Fatal(format!(
                "internal error (a VM bug): {}",
                panic_message(payload.as_ref())
            ))),
        }
    }

    fn run_program_unguarded(&mut self, args: &[String]) -> VmResult<()> {
        let base = self.s.scratch.len();
        for a in args {
            let s = self.new_string(a.as_bytes())?;
            self.s.scratch.push(s);
        }
        let array = self.new_array_from_scratch(base)?;
        let system = self.s.specials.system;
        self.push(system);
        self.push(array);
        let sel = self.intern("initialize:");
        self.call(sel, 1)?;
        Ok(())
    }

    /// Sends `selector` to the receiver and arguments already pushed and runs to
    /// completion; answers the result.
    pub(crate) fn call(&mut self, selector: u32, argc: usize) -> VmResult<Oop> {
        let base = self.s.frames.len();
        self.send_selector(selector, argc)?;
        if self.s.frames.len() > base {
            self.run(base)
        } else {
            Ok(self.pop())
        }
    }

    /// Evaluates `source` (statements) and answers the printString of its value.
    pub fn eval(&mut self, source: &str) -> VmResult<String> {
        self.guarded(|vm| vm.eval_unguarded(source))
    }

    fn eval_unguarded(&mut self, source: &str) -> VmResult<String> {
        let body = crate::syntax::parse_expression(source, "<eval>")
            .map_err(|e| VmError::Compile(e.to_string()))?;
        let code = crate::compiler::compile_doit(&body, "<eval>")
            .map_err(|e| VmError::Compile(e.to_string()))?;
        let nil_class = ClassIndex(self.s.known.nil);
        let index = self.install_code(&code, nil_class, "<eval>".into(), None)?;
        let nil = self.nil();
        self.push(nil);
        let base = self.s.frames.len();
        self.invoke(index, 0)?;
        let value = if self.s.frames.len() > base {
            self.run(base)?
        } else {
            self.pop()
        };
        // Its class now: the send below may move the object.
        let value_class = self.class_of(value);
        self.push(value);
        // Sent, not looked up: the kernel answers printString for every object (through
        // ObjectProtocol when a class does not define it).
        let sel = self.intern("printString");
        let s = self.call(sel, 0)?;
        if self.is_byte_string(s) {
            Ok(self.text_of(s))
        } else {
            // The program's doing (a printString override, a rebound WriteStream), not
            // the VM's: say so in the printed text instead of failing the run.
            Ok(format!(
                "instance of {} (its printString answered an instance of {}, not a String)",
                self.s.class(value_class).name,
                self.s.class(self.class_of(s)).name
            ))
        }
    }

    /// One line of collector totals for `CAIRN_GC_STATS=1` (docs/perf/harness.md):
    /// `cairn-gc-stats: scavenges=.. full-gcs=.. compactions=.. gc-time-us=..
    /// max-pause-us=.. tenured-bytes=.. run-time-us=..`.
    pub fn gc_stats_line(&self) -> String {
        let st = self.heap.stats();
        format!(
            "cairn-gc-stats: scavenges={} full-gcs={} compactions={} gc-time-us={} max-pause-us={} tenured-bytes={} run-time-us={}",
            st.scavenges,
            st.full_collections,
            st.compactions,
            st.total_pause.as_micros(),
            st.max_pause.as_micros(),
            st.total_tenured,
            self.start.elapsed().as_micros()
        )
    }

    /// Reports an error the way the `cairn` command does: message and, for runtime
    /// errors, the Smalltalk stack, on stderr.
    pub fn report(&self, err: &VmError) {
        match err {
            VmError::Exit(_) => {}
            VmError::Compile(m) => eprintln!("{m}"),
            VmError::Deadlock(_) => eprint!("{err}"),
            other => {
                eprintln!("{other}");
                self.print_stack_trace();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Vm;

    /// The symbol table and the method dictionaries, in their iteration order.
    fn table_orders(vm: &Vm) -> (Vec<u32>, Vec<Vec<u32>>) {
        let symbols = vm.s.symbols.ids().collect();
        let methods =
            vm.s.classes
                .iter()
                .flatten()
                .map(|c| c.methods.keys().copied().collect())
                .collect();
        (symbols, methods)
    }

    #[test]
    fn unreferenced_symbols_are_collected_and_their_ids_reused() {
        let mut vm = Vm::new(Vec::new()).expect("boots");
        let churn = "1 to: 20000 do: [:i | ('t', i printString) asSymbol]. 0";
        let keep = "system global: #Kept put: ('kept', 1 printString) asSymbol. 0";
        assert_eq!(vm.eval(keep).expect("runs"), "0");
        let before = vm.s.symbols.len();
        for round in 0..3 {
            vm.heap.set_stress_interval(if round == 1 { 5 } else { 0 });
            assert_eq!(vm.eval(churn).expect("runs"), "0");
            vm.heap.full_collect(&mut vm.s, round == 2);
            assert!(
                vm.s.symbols.len() < before + 50,
                "{} symbols after the churn, {before} before",
                vm.s.symbols.len()
            );
        }
        // Ids are reused: three rounds of 20 000 symbols need the room of about one.
        assert!(
            vm.s.symbols.id_limit() < before + 25_000,
            "{}",
            vm.s.symbols.id_limit()
        );
        // A symbol held by a global keeps its identity; a literal is never collected.
        let same = "((system global: #Kept) == ('kept', 1 printString) asSymbol) & (#t7 == ('t', 7 printString) asSymbol)";
        assert_eq!(vm.eval(same).expect("runs"), "true");
    }

    #[test]
    fn lookup_tables_hash_the_same_way_in_every_vm() {
        // A per-process (or per-map) random hash seed would order these differently
        // from one VM to the next and make instruction counts vary between runs.
        let a = Vm::new(Vec::new()).expect("boots");
        let b = Vm::new(Vec::new()).expect("boots");
        let (symbols, methods) = table_orders(&a);
        assert!(symbols.len() > 100 && methods.iter().any(|m| m.len() > 20));
        assert_eq!((symbols, methods), table_orders(&b));
    }
}

/// The text of a caught panic's payload (a `&str` or a `String`, as `panic!` makes them).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
