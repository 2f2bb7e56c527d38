//! The VM record: the Rust-side tables an image carries beside the heap (images.md,
//! "What lives outside the heap today"): symbols, globals, class descriptions,
//! installed methods, special objects, well-known class indices and the loader's
//! bookkeeping. Written by [`Vm::write_record`] and read back, in the same order, by
//! [`Vm::read_record`], which checks every index it restores against the table it
//! names. Caches, counters and native code are not saved: they start empty.

use cairn_gc::{ClassIndex, Oop};
use rustc_hash::FxHashMap;

use super::record::{Bad, In, Out};
use crate::classes::{ClassInfo, Shape};
use crate::interp::shape::Needs;
use crate::methods::{MethodInfo, MethodKind, SendSite};
use crate::state::{Known, Specials};
use crate::symbols::SymbolTable;
use crate::vm::Vm;

const SHAPES: [Shape; 6] = [
    Shape::Fixed,
    Shape::Indexable,
    Shape::Bytes,
    Shape::Weak,
    Shape::Ephemeron,
    Shape::Special,
];

fn known_fields(k: &mut Known) -> [&mut u32; 20] {
    let [b0, b1, b2, b3] = &mut k.blocks;
    [
        &mut k.object,
        &mut k.class,
        &mut k.metaclass,
        &mut k.nil,
        &mut k.true_,
        &mut k.false_,
        &mut k.integer,
        &mut k.double,
        &mut k.string,
        &mut k.symbol,
        &mut k.array,
        b0,
        b1,
        b2,
        b3,
        &mut k.method,
        &mut k.primitive,
        &mut k.system,
        &mut k.character,
        &mut k.exception,
    ]
}

fn option_u32(out: &mut Out, v: Option<u32>) {
    out.bool(v.is_some());
    out.u32(v.unwrap_or(0));
}

fn read_option_u32(r: &mut In) -> Result<Option<u32>, Bad> {
    let some = r.bool()?;
    let v = r.u32()?;
    Ok(some.then_some(v))
}

/// The (class, class side, selector) under which `def` is found, for the record.
fn primitive_name(def: &'static crate::prims::PrimDef) -> Option<(&'static str, bool)> {
    crate::prims::implemented()
        .into_iter()
        .find(|&(c, meta, sel)| {
            crate::prims::find(c, meta, sel).is_some_and(|d| std::ptr::eq(d, def))
        })
        .map(|(c, meta, _)| (c, meta))
}

impl Vm {
    /// Appends the record of every Rust-side table to `out`.
    pub(crate) fn write_record(&self, out: &mut Out) -> Result<(), String> {
        let s = &self.s;
        // Symbols, by id.
        let limit = s.symbols.id_limit();
        out.len(limit);
        for id in 0..limit as u32 {
            out.str(s.symbols.name(id));
            out.oop(s.symbols.oop(id));
            out.bool(s.symbols.is_pinned(id));
        }
        out.u32s(s.symbols.free_ids());
        // Globals.
        out.oops(&s.global_values);
        out.len(s.global_bound.len());
        s.global_bound.iter().for_each(|&b| out.bool(b));
        out.u32s(&s.global_slot);
        // Specials and well-known classes.
        let sp = s.specials;
        [sp.nil, sp.true_, sp.false_, sp.system]
            .iter()
            .for_each(|&o| out.oop(o));
        out.oops(&s.char_strings);
        let mut known = s.known;
        for f in known_fields(&mut known) {
            out.u32(*f);
        }
        out.u32(known.process);
        out.u32(known.semaphore);
        // Classes.
        out.len(s.classes.len());
        for c in &s.classes {
            out.bool(c.is_some());
            if let Some(c) = c {
                write_class(out, c);
            }
        }
        // Methods.
        out.len(s.methods.len());
        for m in &s.methods {
            write_method(out, m)?;
        }
        // The loader's bookkeeping.
        out.u32(self.next_class_index);
        out.u64(self.rng);
        out.u64(s.swaps);
        out.bool(self.protocol.is_some());
        option_u32(out, self.protocol.flatten().map(|c| c.0));
        let mut reserved: Vec<_> = self.reserved.iter().collect();
        reserved.sort();
        out.len(reserved.len());
        for (name, (c, m)) in reserved {
            out.str(name);
            out.u32(c.0);
            out.u32(m.0);
        }
        out.len(self.class_instance_fields.len());
        self.class_instance_fields.iter().for_each(|f| out.str(f));
        let mut by_hash: Vec<_> = self.class_by_hash.iter().collect();
        by_hash.sort();
        out.len(by_hash.len());
        for (h, classes) in by_hash {
            out.u32(*h);
            out.u32s(classes);
        }
        let fin = s.sched.finalization.semaphore;
        out.bool(fin.is_some());
        out.oop(fin.unwrap_or(Oop::small_int(0)));
        Ok(())
    }

    /// Restores the tables [`Vm::write_record`] wrote, into a VM made by
    /// `Vm::assemble` around the loaded heap.
    pub(crate) fn read_record(&mut self, r: &mut In) -> Result<(), Bad> {
        let n = r.count(10)?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let name: Box<str> = r.str()?.into();
            entries.push((name, r.oop()?, r.bool()?));
        }
        let free = r.u32s()?;
        self.s.symbols = SymbolTable::restore(entries, free)
            .ok_or_else(|| "the symbol table names an id twice".to_string())?;
        let symbols = self.s.symbols.id_limit();
        let s = &mut self.s;
        s.global_values = r.oops()?;
        let n = r.count(1)?;
        s.global_bound = (0..n).map(|_| r.bool()).collect::<Result<_, _>>()?;
        s.global_slot = r.u32s()?;
        let globals = s.global_values.len();
        if s.global_bound.len() != globals
            || s.global_slot.len() > symbols
            || s.global_slot
                .iter()
                .any(|&g| g != u32::MAX && g as usize >= globals)
        {
            return Err("the global tables disagree".into());
        }
        s.specials = Specials {
            nil: r.oop()?,
            true_: r.oop()?,
            false_: r.oop()?,
            system: r.oop()?,
        };
        s.char_strings = r.oops()?;
        let sp = s.specials;
        if s.char_strings.len() != 256
            || s.char_strings.iter().any(|o| !o.is_ptr())
            || [sp.nil, sp.true_, sp.false_, sp.system]
                .iter()
                .any(|o| !o.is_ptr())
        {
            return Err("the special objects are not all objects".into());
        }
        for f in known_fields(&mut s.known) {
            *f = r.u32()?;
        }
        s.known.process = r.u32()?;
        s.known.semaphore = r.u32()?;
        let n = r.count(1)?;
        let mut classes = Vec::with_capacity(n);
        for _ in 0..n {
            classes.push(if r.bool()? {
                Some(read_class(r)?)
            } else {
                None
            });
        }
        s.classes = classes;
        let n = r.count(60)?;
        let mut methods = Vec::with_capacity(n);
        for _ in 0..n {
            methods.push(Box::new(read_method(r, self.tier_trigger)?));
        }
        self.s.methods = methods;
        self.next_class_index = r.u32()?;
        self.rng = r.u64()?;
        self.s.swaps = r.u64()?;
        let looked = r.bool()?;
        let protocol = read_option_u32(r)?.map(ClassIndex);
        self.protocol = looked.then_some(protocol);
        let n = r.count(16)?;
        for _ in 0..n {
            let name = r.str()?.to_string();
            let pair = (ClassIndex(r.u32()?), ClassIndex(r.u32()?));
            self.reserved.insert(name, pair);
        }
        let n = r.count(8)?;
        self.class_instance_fields = (0..n)
            .map(|_| r.str().map(str::to_string))
            .collect::<Result<_, _>>()?;
        let n = r.count(12)?;
        let mut by_hash = FxHashMap::default();
        for _ in 0..n {
            let h = r.u32()?;
            by_hash.insert(h, r.u32s()?);
        }
        self.class_by_hash = by_hash;
        let fin = r.bool()?;
        let sem = r.oop()?;
        self.s.sched.finalization.semaphore = fin.then_some(sem);
        self.check_indices(symbols)
    }

    /// Every class and method index, selector and symbol id the tables hold names an
    /// entry of its table.
    fn check_indices(&self, symbols: usize) -> Result<(), Bad> {
        let s = &self.s;
        let (nc, nm) = (s.classes.len(), s.methods.len());
        let class_ok = |c: ClassIndex| c.index() < nc && c.index() < self.heap.class_table_len();
        let method_ok = |m: u32| (m as usize) < nm;
        for c in s.classes.iter().flatten() {
            let ok = c.superclass.is_none_or(class_ok)
                && class_ok(c.meta)
                && c.instance.is_none_or(class_ok)
                && c.methods
                    .iter()
                    .all(|(&sel, &m)| (sel as usize) < symbols && method_ok(m))
                && c.method_order.iter().all(|&m| method_ok(m));
            if !ok {
                return Err(format!("class {} names a missing entry", c.name));
            }
        }
        // Blocks form trees below their methods, installed after them: each block is
        // named once, by a method before it (so nothing nests cyclically or shares).
        let mut named = vec![false; nm];
        for (i, m) in s.methods.iter().enumerate() {
            for &b in m.blocks.iter() {
                let b = b as usize;
                if b <= i || b >= nm || std::mem::replace(&mut named[b], true) {
                    return Err(format!("method {i} names block {b} out of order"));
                }
            }
        }
        for m in &s.methods {
            let ok = class_ok(m.holder)
                && (m.selector as usize) < symbols
                && m.sites.iter().all(|x| (x.selector as usize) < symbols)
                && m.globals.iter().all(|&g| (g as usize) < symbols)
                && m.blocks.iter().all(|&b| method_ok(b));
            if !ok {
                return Err("a method names a missing entry".into());
            }
        }
        let mut k = s.known;
        let known_ok = known_fields(&mut k)
            .into_iter()
            .all(|&mut i| (i as usize) < nc || i == 0);
        if !known_ok || self.next_class_index as usize > nc.max(self.heap.class_table_len()) {
            return Err("a well-known class index is out of range".into());
        }
        Ok(())
    }
}

fn write_class(out: &mut Out, c: &ClassInfo) {
    out.str(&c.name);
    option_u32(out, c.superclass.map(|x| x.0));
    out.u32(c.meta.0);
    out.bool(c.is_meta);
    option_u32(out, c.instance.map(|x| x.0));
    out.len(c.fields.len());
    c.fields.iter().for_each(|f| out.str(f));
    out.u8(SHAPES.iter().position(|&x| x == c.shape).unwrap_or(5) as u8);
    let mut methods: Vec<(u32, u32)> = c.methods.iter().map(|(&a, &b)| (a, b)).collect();
    methods.sort_unstable();
    out.len(methods.len());
    for (sel, m) in methods {
        out.u32(sel);
        out.u32(m);
    }
    out.u32s(&c.method_order);
    out.str(&c.file);
}

fn read_class(r: &mut In) -> Result<ClassInfo, Bad> {
    let name = r.str()?.to_string();
    let superclass = read_option_u32(r)?.map(ClassIndex);
    let meta = ClassIndex(r.u32()?);
    let is_meta = r.bool()?;
    let instance = read_option_u32(r)?.map(ClassIndex);
    let n = r.count(8)?;
    let fields = (0..n)
        .map(|_| r.str().map(str::to_string))
        .collect::<Result<_, _>>()?;
    let shape = *SHAPES
        .get(r.u8()? as usize)
        .ok_or_else(|| "an unknown class shape".to_string())?;
    let n = r.count(8)?;
    let mut methods = FxHashMap::default();
    for _ in 0..n {
        let sel = r.u32()?;
        methods.insert(sel, r.u32()?);
    }
    Ok(ClassInfo {
        name,
        superclass,
        meta,
        is_meta,
        instance,
        fields,
        shape,
        methods,
        method_order: r.u32s()?,
        file: r.str()?.to_string(),
    })
}

fn write_method(out: &mut Out, m: &MethodInfo) -> Result<(), String> {
    match m.kind {
        MethodKind::Bytecode => out.u8(0),
        MethodKind::Primitive(def) => {
            let (class, meta) = primitive_name(def)
                .ok_or_else(|| format!("the primitive {} has no name", def.selector))?;
            out.u8(1);
            out.str(class);
            out.bool(meta);
            out.str(def.selector);
        }
        MethodKind::MissingPrimitive => out.u8(2),
        MethodKind::Getter(i) => {
            out.u8(3);
            out.u32(i as u32);
        }
        MethodKind::Setter(i) => {
            out.u8(4);
            out.u32(i as u32);
        }
        MethodKind::Literal(i) => {
            out.u8(5);
            out.u32(i as u32);
        }
        MethodKind::ReturnSelf => out.u8(6),
    }
    out.u32(m.selector);
    out.u32(m.holder.0);
    out.bool(m.is_block);
    out.u8(m.marks);
    for n in [m.num_args, m.num_copied, m.num_temps, m.slots] {
        out.len(n);
    }
    out.bytes(&m.code);
    out.oops(&m.literals);
    out.len(m.sites.len());
    for site in m.sites.iter() {
        out.u32(site.selector);
        out.u8(site.argc);
    }
    out.u32s(&m.globals);
    out.u32s(&m.blocks);
    out.len(m.lines.len());
    for &(pc, line) in m.lines.iter() {
        out.u32(pc);
        out.u32(line);
    }
    out.u32(m.line);
    out.str(&m.file);
    out.oop(m.heap_object);
    out.bool(m.uses_fields);
    out.bool(m.receiver_implied);
    Ok(())
}

fn read_method(r: &mut In, trigger: u32) -> Result<MethodInfo, Bad> {
    let small = |v: u32, max: u32| {
        if v <= max {
            Ok(v)
        } else {
            Err(format!("an operand of {v}"))
        }
    };
    let kind = match r.u8()? {
        0 => MethodKind::Bytecode,
        1 => {
            let class = r.str()?;
            let meta = r.bool()?;
            let sel = r.str()?;
            let def = crate::prims::find(class, meta, sel)
                .ok_or_else(|| format!("no primitive {class}>>{sel} in this VM"))?;
            MethodKind::Primitive(def)
        }
        2 => MethodKind::MissingPrimitive,
        3 => MethodKind::Getter(small(r.u32()?, 255)? as u8),
        4 => MethodKind::Setter(small(r.u32()?, 255)? as u8),
        5 => MethodKind::Literal(small(r.u32()?, 65535)? as u16),
        6 => MethodKind::ReturnSelf,
        k => return Err(format!("an unknown method kind {k}")),
    };
    let selector = r.u32()?;
    let holder = ClassIndex(r.u32()?);
    let is_block = r.bool()?;
    let marks = r.u8()?;
    let (num_args, num_copied, num_temps, slots) = (r.len()?, r.len()?, r.len()?, r.len()?);
    let code: Box<[u8]> = r.bytes()?.into();
    let literals = r.oops()?;
    let n = r.count(5)?;
    let sites = (0..n)
        .map(|_| Ok(SendSite::new(r.u32()?, r.u8()?)))
        .collect::<Result<Box<[SendSite]>, Bad>>()?;
    let globals = r.u32s()?.into_boxed_slice();
    let blocks = r.u32s()?.into_boxed_slice();
    let n = r.count(8)?;
    let lines = (0..n)
        .map(|_| Ok((r.u32()?, r.u32()?)))
        .collect::<Result<Box<[(u32, u32)]>, Bad>>()?;
    let line = r.u32()?;
    let file = r.str()?.into();
    let heap_object = r.oop()?;
    let uses_fields = r.bool()?;
    let receiver_implied = r.bool()?;
    // What the loader computes from the code, computed again (never trusted).
    let needs = Needs::of(&code, num_args, num_copied);
    let frame = 1 + num_args + num_copied + num_temps + is_block as usize;
    if slots != frame || num_args > 255 || num_copied > 255 {
        return Err("a method whose frame size disagrees with its counts".into());
    }
    let closure_key = if is_block {
        crate::methods::closure_key::of(num_args, num_copied, needs.check_closure)
    } else {
        u64::MAX
    };
    Ok(MethodInfo {
        kind,
        selector,
        holder,
        is_block,
        marks,
        num_args,
        num_copied,
        num_temps,
        slots,
        room: slots + code.len() + 8,
        code,
        literals,
        sites,
        globals,
        blocks,
        lines,
        line,
        file,
        heap_object,
        uses_fields,
        receiver_implied,
        needs,
        hot_countdown: trigger,
        loop_countdown: trigger,
        entry: None,
        closure_key,
        tier_state: crate::tier::TierState::Cold,
        tier_watch: crate::tier::TierWatch::default(),
    })
}
