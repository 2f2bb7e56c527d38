//! Sends: method lookup, inline caches, invocation of every method kind, primitive
//! results and failures, `doesNotUnderstand:arguments:` and unbound globals.

use cairn_gc::{ClassIndex, Oop};

use crate::methods::{MethodInfo, MethodKind};
use crate::prims::{Fail, Prim, PrimDef};
use crate::vm::{Vm, VmError, VmResult};

use super::frames::Pushed;

impl Vm {
    /// Looks `selector` up from `class` upward (global lookup cache first).
    pub(crate) fn lookup(&mut self, class: ClassIndex, selector: u32) -> Option<u32> {
        if let Some(m) = self.s.lookup_cache.get(class.0, selector) {
            return Some(m);
        }
        let mut c = Some(class);
        while let Some(ci) = c {
            let info = self.s.class(ci);
            if let Some(&m) = info.methods.get(&selector) {
                self.s.lookup_cache.put(class.0, selector, m);
                return Some(m);
            }
            c = info.superclass;
        }
        None
    }

    /// Sends through a method's send site (receiver and arguments on the stack).
    #[inline(always)]
    pub(crate) fn send_site(
        &mut self,
        method: *mut MethodInfo,
        site: usize,
        is_super: bool,
    ) -> VmResult<()> {
        // SAFETY: method pointers name live MethodInfos.
        let m = unsafe { &mut *method };
        let (selector, argc) = (m.sites[site].selector, m.sites[site].argc as usize);
        let recv = self.peek(argc);
        let class = self.class_of(recv);
        let target = match m.sites[site].probe(class.0) {
            Some(t) => t,
            None => {
                let start = if is_super {
                    self.s.class(m.holder).superclass
                } else {
                    Some(class)
                };
                let found = match start {
                    Some(start) if is_super => self.lookup(start, selector),
                    Some(start) => self.lookup_send(start, selector),
                    None => None,
                };
                match found {
                    Some(t) => {
                        m.sites[site].record(class.0, t);
                        t
                    }
                    None => return self.does_not_understand(selector, argc),
                }
            }
        };
        if is_super {
            // The sending method may run on a foreign receiver (`invokeOn:with:`), so
            // the superclass chain says nothing about it.
            self.invoke(target, argc)
        } else {
            self.invoke_found(target, argc)
        }
    }

    /// Sends `selector` (no inline cache): for primitives and VM-initiated sends.
    pub(crate) fn send_selector(&mut self, selector: u32, argc: usize) -> VmResult<()> {
        let recv = self.peek(argc);
        let class = self.class_of(recv);
        match self.lookup_send(class, selector) {
            Some(t) => self.invoke_found(t, argc),
            None => self.does_not_understand(selector, argc),
        }
    }

    /// The method a send of `selector` to an instance of `class` runs: the class chain,
    /// then the kernel's shared protocol. The kernel's `Object>>doesNotUnderstand:
    /// arguments:` runs `ObjectProtocol` methods for selectors no class defines; when
    /// the receiver's class keeps that method, the VM does the same without the detour
    /// (same method, same receiver and arguments).
    pub(crate) fn lookup_send(&mut self, class: ClassIndex, selector: u32) -> Option<u32> {
        if let Some(m) = self.s.protocol_cache.get(class.0, selector) {
            return Some(m);
        }
        if let Some(m) = self.lookup(class, selector) {
            return Some(m);
        }
        let protocol = self.protocol_class()?;
        let candidate = *self.s.class(protocol).methods.get(&selector)?;
        let dnu = self.intern("doesNotUnderstand:arguments:");
        let handler = self.lookup(class, dnu)?;
        let object = ClassIndex(self.s.known.object);
        let m = &self.s.methods[candidate as usize];
        if self.s.methods[handler as usize].holder != object || m.uses_fields {
            return None;
        }
        // A cache of its own: `lookup` answers class-chain methods only (super sends
        // rely on that).
        self.s.protocol_cache.put(class.0, selector, candidate);
        Some(candidate)
    }

    /// The kernel's ObjectProtocol class, loaded on first use (None without one).
    pub(crate) fn protocol_class(&mut self) -> Option<ClassIndex> {
        if let Some(p) = self.protocol {
            return p;
        }
        let found = match self.load_global("ObjectProtocol") {
            Ok(Some(c)) => self.class_index_of_class_object(c),
            _ => None,
        };
        self.protocol = Some(found);
        found
    }

    /// Sends `selector` starting the lookup at `class` (perform:inSuperclass:).
    pub(crate) fn send_selector_in(
        &mut self,
        class: ClassIndex,
        selector: u32,
        argc: usize,
    ) -> VmResult<()> {
        match self.lookup(class, selector) {
            Some(t) => self.invoke(t, argc),
            None => self.does_not_understand(selector, argc),
        }
    }

    /// Invokes method `index` on the receiver and arguments on top of the stack, any
    /// receiver (a primitive checks it against its declared kind).
    #[inline(always)]
    pub(crate) fn invoke(&mut self, index: u32, argc: usize) -> VmResult<()> {
        self.invoke_with(index, argc, false)
    }

    /// Invokes method `index`, which lookup found from the receiver's own class: a
    /// primitive whose holder implies its receiver kind
    /// (`MethodInfo::receiver_implied`) skips the receiver check.
    #[inline(always)]
    pub(crate) fn invoke_found(&mut self, index: u32, argc: usize) -> VmResult<()> {
        self.invoke_with(index, argc, true)
    }

    #[inline(always)]
    fn invoke_with(&mut self, index: u32, argc: usize, found: bool) -> VmResult<()> {
        let method: *mut MethodInfo = &mut *self.s.methods[index as usize];
        // SAFETY: boxed, never freed.
        let (kind, receiver_implied) = unsafe { ((*method).kind, (*method).receiver_implied) };
        match kind {
            MethodKind::Bytecode => match self.push_method_frame(method, argc)? {
                Pushed::Ok => Ok(()),
                Pushed::Overflow => {
                    self.s.sp -= argc + 1;
                    self.signal_vm_error("StackOverflow")
                }
            },
            MethodKind::Getter(n) => {
                let recv = self.top();
                let v = self.heap.fetch(recv, n as usize);
                self.set_slot(self.s.sp - 1, v);
                Ok(())
            }
            MethodKind::Setter(n) => {
                let v = self.pop();
                let recv = self.top();
                self.heap.store(recv, n as usize, v);
                Ok(())
            }
            MethodKind::Literal(i) => {
                // SAFETY: as above.
                let v = unsafe { (&(*method).literals)[i as usize] };
                self.s.sp -= argc;
                self.set_slot(self.s.sp - 1, v);
                Ok(())
            }
            MethodKind::ReturnSelf => {
                self.s.sp -= argc;
                Ok(())
            }
            MethodKind::Primitive(def) => {
                self.primitive_send(def, argc, found && receiver_implied, index)
            }
            MethodKind::MissingPrimitive => {
                self.prim_result(Prim::Fail(Fail::Primitive), index, argc)
            }
        }
    }

    /// Runs primitive `def` (method `index`) and applies its result.
    #[inline(always)]
    fn primitive_send(
        &mut self,
        def: &'static PrimDef,
        argc: usize,
        receiver_known: bool,
        index: u32,
    ) -> VmResult<()> {
        let scratch = self.s.scratch.len();
        match self.call_primitive(def, argc, receiver_known) {
            Ok(result) => self.prim_result(result, index, argc),
            Err(VmError::OutOfMemory) => {
                // The request could not be met even after a full collection: the
                // send answers what `OutOfMemory signal` answers. Scratch roots the
                // primitive pushed before it failed are dropped.
                self.s.scratch.truncate(scratch);
                self.s.sp -= argc + 1;
                self.signal_out_of_memory()
            }
            Err(e) => Err(e),
        }
    }

    /// Runs a primitive if its receiver and arguments have the declared kinds (the one
    /// gate every route to a primitive passes: sends, `perform:`, `invokeOn:with:`).
    /// `receiver_known`: the receiver's kind is already implied by how the method was
    /// found.
    #[inline(always)]
    fn call_primitive(
        &mut self,
        def: &'static PrimDef,
        argc: usize,
        receiver_known: bool,
    ) -> VmResult<Prim> {
        if self.admits(def, argc, receiver_known) {
            (def.f)(self, argc)
        } else {
            Ok(Prim::Fail(Fail::Primitive))
        }
    }

    /// Applies a primitive's result.
    #[inline(always)]
    pub(crate) fn prim_result(&mut self, result: Prim, index: u32, argc: usize) -> VmResult<()> {
        match result {
            Prim::Value(v) => {
                self.s.sp -= argc;
                self.set_slot(self.s.sp - 1, v);
                Ok(())
            }
            Prim::Done => Ok(()),
            Prim::Fail(kind) => self.primitive_failed(kind, index, argc),
        }
    }

    /// `ExceptionClass signalFailureOf: #selector receiver: r arguments: args`.
    #[cold]
    fn primitive_failed(&mut self, kind: Fail, index: u32, argc: usize) -> VmResult<()> {
        let selector = self.s.methods[index as usize].selector;
        let class_name = match kind {
            Fail::Primitive => "PrimitiveFailed",
            Fail::Bounds => "SubscriptOutOfBounds",
            Fail::ZeroDivide => "ZeroDivide",
        };
        let exc_class = match self.load_global(class_name)? {
            Some(c) => Some(c),
            None => self.load_global("PrimitiveFailed")?,
        };
        let Some(exc_class) = exc_class else {
            let recv = self.peek(argc);
            let cname = self.s.class(self.class_of(recv)).name.clone();
            return Err(VmError::Fatal(format!(
                "primitive {}>>{} failed ({class_name})",
                cname,
                self.symbol_name(selector)
            )));
        };
        // Stack: [recv args...] -> [ExceptionClass #sel recv argsArray]
        let base = self.s.sp - argc - 1;
        self.s.scratch.push(exc_class);
        let (sym, args) = self.selector_and_arguments(selector, argc)?;
        let exc_class = self.s.scratch.pop().expect("pushed above");
        let recv = self.s.stack[base];
        self.s.sp = base;
        self.push(exc_class);
        self.push(sym);
        self.push(recv);
        self.push(args);
        let sel = self.intern("signalFailureOf:receiver:arguments:");
        self.send_selector(sel, 3)
    }

    /// The Symbol for `selector` and a new Array of the `argc` arguments on top of the
    /// stack (which stay there); both are made before either is answered, so neither
    /// is stale.
    ///
    /// The Symbol comes first: a weak selector (`perform:` of a Symbol the stack no
    /// longer holds) is alive until the next allocation, and held from then on.
    fn selector_and_arguments(&mut self, selector: u32, argc: usize) -> VmResult<(Oop, Oop)> {
        let sym = self.symbol(selector)?;
        self.s.scratch.push(sym);
        let base = self.s.sp - argc;
        let scratch = self.s.scratch.len();
        for i in 0..argc {
            let a = self.s.stack[base + i];
            self.s.scratch.push(a);
        }
        let args = self.new_array_from_scratch(scratch)?;
        let sym = self.s.scratch.pop().expect("pushed above");
        Ok((sym, args))
    }

    /// The receiver does not understand `selector`: send
    /// `doesNotUnderstand: #selector arguments: argsArray` instead.
    #[cold]
    pub(crate) fn does_not_understand(&mut self, selector: u32, argc: usize) -> VmResult<()> {
        let dnu = self.intern("doesNotUnderstand:arguments:");
        let base = self.s.sp - argc - 1;
        let recv = self.s.stack[base];
        let class = self.class_of(recv);
        if selector == dnu || self.lookup(class, dnu).is_none() {
            // A class without doesNotUnderstand:arguments: (a root class, superclass
            // nil, or a broken kernel): nothing in Smalltalk can handle it. The caller
            // reports the error with the stack trace, once.
            let cname = self.s.class(class).name.clone();
            let sel = self.symbol_name(selector).to_string();
            return Err(VmError::Fatal(format!(
                "{cname} does not understand #{sel}, and {cname} has no doesNotUnderstand:arguments:"
            )));
        }
        let (sym, args) = self.selector_and_arguments(selector, argc)?;
        self.s.sp = base + 1;
        self.push(sym);
        self.push(args);
        self.send_selector(dnu, 2)
    }

    /// A global that is not bound: load a class of that name from the class path, or
    /// send `unknownGlobal: #name` to the current receiver. The value is pushed.
    #[cold]
    pub(crate) fn unbound_global(&mut self, sym: u32) -> VmResult<()> {
        let name = self.symbol_name(sym).to_string();
        if let Some(v) = self.load_global(&name)? {
            self.push(v);
            return Ok(());
        }
        let fp = self.s.frames.last().expect("running frame").fp as usize;
        let recv = self.s.stack[fp];
        self.push(recv);
        let s = self.symbol(sym)?;
        self.push(s);
        let sel = self.intern("unknownGlobal:");
        self.send_selector(sel, 1)
    }

    /// An inlined conditional found a non-Boolean: send it `mustBeBoolean`. The caller
    /// saved the jump's own pc, so the answer (in the condition's slot) decides the
    /// jump when the frame continues.
    #[cold]
    pub(crate) fn not_a_boolean(&mut self) -> VmResult<()> {
        let sel = self.intern("mustBeBoolean");
        self.send_selector(sel, 0)
    }

    /// Signals a kernel exception class by name (`StackOverflow`, `OutOfMemory`) by
    /// sending it `signal`; the answer is pushed where the failed send's result goes.
    #[cold]
    pub(crate) fn signal_vm_error(&mut self, class_name: &str) -> VmResult<()> {
        let Some(class) = self.load_global(class_name)? else {
            return Err(VmError::Fatal(format!(
                "{class_name} (the kernel has no {class_name} class)"
            )));
        };
        self.push(class);
        let sel = self.intern("signal");
        self.send_selector(sel, 0)
    }

    /// The value of a bound global, if any. Never interns: looking up names the
    /// program makes up must not grow the symbol table.
    pub(crate) fn global_value(&mut self, name: &str) -> Option<Oop> {
        let id = self.s.symbols.lookup(name)?;
        let slot = self.s.global_slot[id as usize];
        if slot != u32::MAX && self.s.global_bound[slot as usize] {
            Some(self.s.global_values[slot as usize])
        } else {
            None
        }
    }
}
