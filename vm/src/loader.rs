//! Class loading and bootstrap: the class path, the embedded kernel, class definition
//! from a parsed class file, and method installation.
//!
//! SOM semantics: a global that is not bound is looked up as a class file `Name.som` in
//! the class path directories, in order, and then in the embedded kernel (the last
//! class-path entry). The classes the VM depends on ([`CORE_CLASSES`]) always come from
//! the kernel. `CAIRN_KERNEL_DIR` replaces the embedded kernel with a directory (for
//! kernel development).

use rustc_hash::FxHashMap;
use std::rc::Rc;

use cairn_gc::{ClassIndex, Format, Oop};

use crate::bytecode::{decode_all, Instr};
use crate::classes::{ClassInfo, Shape};
use crate::compiler::limits::check_fields;
use crate::compiler::{compile_method, CompiledCode};
use crate::methods::{mark, MethodInfo, MethodKind, SendSite};
use crate::syntax::ast::{ClassDef, Literal};
use crate::vm::{Vm, VmError, VmResult};

include!(concat!(env!("OUT_DIR"), "/kernel_sources.rs"));

/// Classes that always come from the kernel (a user class of that name is ignored):
/// the core, ObjectProtocol, process and exception groups of docs/design/kernel.md.
pub const CORE_CLASSES: &[&str] = &[
    "Object",
    "Class",
    "Metaclass",
    "Nil",
    "Boolean",
    "True",
    "False",
    "Integer",
    "Double",
    "String",
    "Symbol",
    "Array",
    "Block",
    "Block1",
    "Block2",
    "Block3",
    "Method",
    "Primitive",
    "System",
    "Character",
    "ObjectProtocol",
    "Process",
    "Processor",
    "Semaphore",
    "Mutex",
    "Delay",
    "SharedQueue",
    "Exception",
    "Error",
    "ExceptionSet",
    "ZeroDivide",
    "ArithmeticError",
    "MessageNotUnderstood",
    "SubscriptOutOfBounds",
    "StackOverflow",
    "OutOfMemory",
    "PrimitiveFailed",
    "BlockCannotReturn",
    "IllegalResumeAttempt",
    "NotYetImplemented",
    "Notification",
    "Warning",
];

/// Most names the cache of absent globals holds before it starts over.
const ABSENT_CACHE_ENTRIES: usize = 1024;

/// Selectors of the marked methods of Block.
pub(crate) const MARKED_SELECTORS: &[&str] = &["on:do:", "ensure:", "ifCurtailed:"];

/// Source of the marked methods (docs/design/exceptions.md): their protected block runs
/// at pc `PROTECTED_PC` (after `PushSelf; Send value`).
const MARKED: &[(&str, &str, u8)] = &[
    ("on:do:", "on: c do: h = ( ^self value )", mark::HANDLER),
    (
        "ensure:",
        "ensure: b = ( | r | r := self value. b value. ^r )",
        mark::ENSURE,
    ),
    (
        "ifCurtailed:",
        "ifCurtailed: b = ( ^self value )",
        mark::CURTAIL,
    ),
];

impl Vm {
    /// The source of kernel class `name`, if any.
    fn kernel_source(&self, name: &str) -> VmResult<Option<(String, String)>> {
        if let Ok(dir) = std::env::var("CAIRN_KERNEL_DIR") {
            let path = std::path::Path::new(&dir).join(format!("{name}.som"));
            return read_class_file(&path);
        }
        Ok(KERNEL_SOURCES
            .binary_search_by(|(n, _)| (*n).cmp(name))
            .ok()
            .map(|i| {
                (
                    KERNEL_SOURCES[i].1.to_string(),
                    format!("kernel/{name}.som"),
                )
            }))
    }

    /// The source of class `name` from the class path, then the kernel.
    fn class_source(&self, name: &str) -> VmResult<Option<(String, String)>> {
        if !CORE_CLASSES.contains(&name) && names_a_class_file(name) {
            for dir in &self.class_path {
                if let Some(found) = read_class_file(&dir.join(format!("{name}.som")))? {
                    return Ok(Some(found));
                }
            }
        }
        self.kernel_source(name)
    }

    /// The value of global `name`, loading a class of that name if needed.
    pub(crate) fn load_global(&mut self, name: &str) -> VmResult<Option<Oop>> {
        if let Some(v) = self.global_value(name) {
            return Ok(Some(v));
        }
        if self.absent.contains(name) || self.loading.iter().any(|n| n == name) {
            return Ok(None);
        }
        let Some((source, file)) = self.class_source(name)? else {
            // A cache of names known to be absent; the program chooses the names, so
            // it is bounded.
            if self.absent.len() >= ABSENT_CACHE_ENTRIES {
                self.absent.clear();
            }
            self.absent.insert(name.to_string());
            return Ok(None);
        };
        self.load_class_source(&source, &file, name).map(Some)
    }

    /// Parses and defines class `expected` from source; answers the class object. The
    /// file must define the class it is named for.
    fn load_class_source(&mut self, source: &str, file: &str, expected: &str) -> VmResult<Oop> {
        let def = crate::syntax::parse_class(source, file)
            .map_err(|e| VmError::Compile(e.to_string()))?;
        if def.name.name != expected {
            let span = def.name.span;
            return Err(VmError::Compile(format!(
                "{file}:{}:{}: error: the file defines class '{}', expected class '{expected}'",
                span.line, span.column, def.name.name
            )));
        }
        self.loading.push(def.name.name.clone());
        let r = self.define_class(&def, file);
        self.loading.pop();
        r
    }

    /// Reserves a class index (and the metaclass's) for `name`.
    fn reserve(&mut self, name: &str) -> (ClassIndex, ClassIndex) {
        if let Some(&r) = self.reserved.get(name) {
            return r;
        }
        let fixed = match name {
            "Integer" => Some(ClassIndex::SMALL_INTEGER),
            "Character" => Some(ClassIndex::CHARACTER),
            "Double" => Some(ClassIndex::SMALL_FLOAT),
            _ => None,
        };
        let idx = fixed.unwrap_or_else(|| {
            let i = self.next_class_index;
            self.next_class_index += 1;
            ClassIndex(i)
        });
        let meta = ClassIndex(self.next_class_index);
        self.next_class_index += 1;
        self.reserved.insert(name.to_string(), (idx, meta));
        (idx, meta)
    }

    fn define_class(&mut self, def: &ClassDef, file: &str) -> VmResult<Oop> {
        let name = def.name.name.clone();
        let superclass = match &def.superclass {
            Some(s) if s.name == "nil" => None,
            Some(s) => Some((s.name.clone(), s.span)),
            None => Some(("Object".to_string(), def.name.span)),
        };
        let super_index = match superclass {
            None => None,
            Some((sname, span)) => {
                let value = self.load_global(&sname)?;
                match value.and_then(|v| self.class_index_of_class_object(v)) {
                    // Instances of a metaclass's subclasses would be taken for classes
                    // (`Vm::receiver_implied`); SOM has no such classes either.
                    Some(ci) if self.s.class(ci).is_meta => {
                        return Err(VmError::Compile(format!(
                            "{file}:{}:{}: error: superclass '{sname}' of class '{name}' is a metaclass",
                            span.line, span.column
                        )))
                    }
                    Some(ci) => Some(ci),
                    None => {
                        return Err(VmError::Compile(format!(
                            "{file}:{}:{}: error: unknown superclass '{sname}' of class '{name}'",
                            span.line, span.column
                        )))
                    }
                }
            }
        };
        let class_class = ClassIndex(self.s.known.class);
        let mut fields: Vec<String> = super_index
            .map(|s| self.s.class(s).fields.clone())
            .unwrap_or_default();
        check_fields(fields.len(), &def.instance_fields, file)
            .map_err(|e| VmError::Compile(e.to_string()))?;
        fields.extend(def.instance_fields.iter().map(|f| f.name.clone()));
        let meta_super = match super_index {
            Some(s) => self.s.class(s).meta,
            None => class_class,
        };
        let mut meta_fields: Vec<String> = match self
            .s
            .classes
            .get(meta_super.index())
            .and_then(|c| c.as_ref())
        {
            Some(c) => c.fields.clone(),
            None => self.class_instance_fields.clone(),
        };
        check_fields(meta_fields.len(), &def.class_fields, file)
            .map_err(|e| VmError::Compile(e.to_string()))?;
        meta_fields.extend(def.class_fields.iter().map(|f| f.name.clone()));
        let (idx, meta) = self.reserve(&name);
        let shape = match name.as_str() {
            "Array" => Shape::Indexable,
            "WeakArray" => Shape::Weak,
            "Ephemeron" => Shape::Ephemeron,
            "String" => Shape::Bytes,
            "Object" => Shape::Fixed,
            n if crate::loader::SPECIAL_SHAPES.contains(&n) => Shape::Special,
            _ => super_index
                .map(|s| self.s.class(s).shape)
                .unwrap_or(Shape::Fixed),
        };
        let shape =
            if shape == Shape::Special && !crate::loader::SPECIAL_SHAPES.contains(&name.as_str()) {
                Shape::Fixed
            } else {
                shape
            };
        // Byte instances have no named slots: a field would alias the bytes.
        if shape == Shape::Bytes {
            if let Some(f) = def.instance_fields.first() {
                return Err(VmError::Compile(format!(
                    "{file}:{}:{}: error: class '{name}' has byte-indexed instances (it inherits from String) and cannot declare instance variables",
                    f.span.line, f.span.column
                )));
            }
        }
        // An ephemeron's first slot is its key (Format::Ephemeron needs one).
        if shape == Shape::Ephemeron && fields.is_empty() {
            return Err(VmError::Compile(format!(
                "{file}:{}:{}: error: class '{name}' has ephemeron instances and must declare at least one instance variable (the key)",
                def.name.span.line, def.name.span.column
            )));
        }
        if name == "Class" {
            self.class_instance_fields = fields.clone();
        }
        let metaclass = ClassIndex(self.s.known.metaclass);
        let n_meta_fields = meta_fields.len();
        self.put_class(
            idx,
            ClassInfo {
                name: name.clone(),
                superclass: super_index,
                meta,
                is_meta: false,
                instance: None,
                fields: fields.clone(),
                shape,
                methods: FxHashMap::default(),
                method_order: Vec::new(),
                file: file.to_string(),
            },
        );
        self.put_class(
            meta,
            ClassInfo {
                name: format!("{name} class"),
                superclass: Some(meta_super),
                meta: metaclass,
                is_meta: true,
                instance: Some(idx),
                fields: meta_fields.clone(),
                shape: Shape::Special,
                methods: FxHashMap::default(),
                method_order: Vec::new(),
                file: file.to_string(),
            },
        );
        // Heap objects: the class (instance of its metaclass) and the metaclass.
        let fmt = |n: usize| if n == 0 { Format::Zero } else { Format::Fixed };
        let class_obj = self.alloc_old(meta, fmt(n_meta_fields), n_meta_fields, 0)?;
        self.register_class_object(idx, class_obj)?;
        let n_class_fields = self.class_instance_fields.len();
        let meta_obj = self.alloc_old(metaclass, fmt(n_class_fields), n_class_fields, 0)?;
        self.register_class_object(meta, meta_obj)?;
        let id = self.intern(&name);
        let class_obj = self.heap.class_at(idx);
        self.set_global(id, class_obj);
        // Methods.
        let file_rc: Rc<str> = file.into();
        for (side, methods, flds) in [
            (false, &def.instance_methods, &fields),
            (true, &def.class_methods, &meta_fields),
        ] {
            let holder = if side { meta } else { idx };
            for mdef in methods {
                let code = compile_method(mdef, flds, file)
                    .map_err(|e| VmError::Compile(e.to_string()))?;
                let index =
                    self.install_code(&code, holder, file_rc.clone(), Some((&name, side)))?;
                let sel = self.intern(&mdef.selector);
                let info = self.s.classes[holder.index()]
                    .as_mut()
                    .expect("just defined");
                info.methods.insert(sel, index);
                info.method_order.push(index);
            }
        }
        self.s.lookup_cache.clear();
        self.s.protocol_cache.clear();
        Ok(self.heap.class_at(idx))
    }

    fn put_class(&mut self, idx: ClassIndex, info: ClassInfo) {
        if self.s.classes.len() <= idx.index() {
            self.s.classes.resize_with(idx.index() + 1, || None);
        }
        self.s.classes[idx.index()] = Some(info);
    }

    fn register_class_object(&mut self, idx: ClassIndex, obj: Oop) -> VmResult<()> {
        self.heap
            .set_class_at(idx, obj)
            .map_err(|_| VmError::Fatal("class table full".into()))?;
        let h = self.heap.identity_hash(obj);
        self.class_by_hash.entry(h).or_default().push(idx.0);
        Ok(())
    }

    /// Installs compiled code as a method of `holder`; answers its method index.
    pub(crate) fn install_code(
        &mut self,
        code: &CompiledCode,
        holder: ClassIndex,
        file: Rc<str>,
        binding: Option<(&str, bool)>,
    ) -> VmResult<u32> {
        if let Err(violations) = crate::verifier::verify(code) {
            return Err(VmError::Fatal(format!(
                "{file}: bytecode verification failed for {}: {violations:?}",
                code.selector
            )));
        }
        self.install_with_selector(code, holder, file, binding, None)
    }

    fn install_with_selector(
        &mut self,
        code: &CompiledCode,
        holder: ClassIndex,
        file: Rc<str>,
        binding: Option<(&str, bool)>,
        home_selector: Option<u32>,
    ) -> VmResult<u32> {
        // A marked primitive gets its VM-defined body.
        if code.primitive {
            if let Some((class_name, false)) = binding {
                if class_name == "Block" {
                    if let Some(&(_, src, marks)) =
                        MARKED.iter().find(|(s, _, _)| *s == code.selector)
                    {
                        let def = crate::syntax::parse_method(src, "<vm>")
                            .map_err(|e| VmError::Fatal(e.to_string()))?;
                        let body = compile_method(&def, &[], "<vm>")
                            .map_err(|e| VmError::Fatal(e.to_string()))?;
                        let index = self.install_with_selector(&body, holder, file, None, None)?;
                        self.s.methods[index as usize].marks = marks;
                        return Ok(index);
                    }
                }
            }
        }
        let selector = home_selector.unwrap_or_else(|| self.intern(&code.selector));
        // Literals, rooted through scratch while they are made.
        let base = self.s.scratch.len();
        for lit in &code.literals {
            let o = self.literal_object(lit)?;
            self.s.scratch.push(o);
        }
        let literals: Vec<Oop> = self.s.scratch.drain(base..).collect();
        let sites: Box<[SendSite]> = code
            .sites
            .iter()
            .map(|s| {
                let id = self.intern(&s.selector);
                SendSite::new(id, s.argc)
            })
            .collect();
        let globals: Box<[u32]> = code.globals.iter().map(|g| self.intern(g)).collect();
        let index = self.s.methods.len() as u32;
        let kind = if code.primitive {
            match binding.and_then(|(c, meta)| crate::prims::find(c, meta, &code.selector)) {
                Some(f) => MethodKind::Primitive(f),
                None => MethodKind::MissingPrimitive,
            }
        } else {
            MethodKind::Bytecode
        };
        let receiver_implied = match kind {
            MethodKind::Primitive(def) => self.receiver_implied(def.receiver, holder),
            _ => false,
        };
        let needs = crate::interp::shape::Needs::of(&code.code, code.num_args, code.num_copied);
        let slots = 1 + code.num_args + code.num_copied + code.num_temps + code.is_block as usize;
        let closure_key = if code.is_block {
            crate::methods::closure_key::of(code.num_args, code.num_copied, needs.check_closure)
        } else {
            u64::MAX
        };
        self.s.methods.push(Box::new(MethodInfo {
            kind,
            selector,
            holder,
            is_block: code.is_block,
            marks: 0,
            num_args: code.num_args,
            num_copied: code.num_copied,
            num_temps: code.num_temps,
            slots,
            code: code.code.clone().into_boxed_slice(),
            literals,
            sites,
            globals,
            blocks: Box::new([]),
            lines: code.lines.clone().into_boxed_slice(),
            line: code.line,
            file: file.clone(),
            heap_object: Oop::small_int(0),
            uses_fields: uses_fields(code),
            receiver_implied,
            needs,
            hot_countdown: self.tier_trigger,
            loop_countdown: self.tier_trigger,
            entry: None,
            room: slots + code.code.len() + 8,
            closure_key,
            tier_state: crate::tier::TierState::Cold,
            tier_watch: crate::tier::TierWatch::default(),
        }));
        self.tier.note_methods(&self.s.methods);
        self.s.note_method_roots(index);
        let mut blocks = Vec::with_capacity(code.blocks.len());
        for b in &code.blocks {
            blocks.push(self.install_with_selector(
                b,
                holder,
                file.clone(),
                None,
                Some(selector),
            )?);
        }
        let trivial = if code.is_block || code.primitive {
            None
        } else {
            self.trivial_kind(index, code)
        };
        let m = &mut self.s.methods[index as usize];
        m.blocks = blocks.into_boxed_slice();
        if let Some(k) = trivial {
            m.kind = k;
        }
        // The heap half: what an image will hold (literals and bytecodes).
        self.method_object(index)?;
        Ok(index)
    }

    /// Recognises getters, setters, literal and self returns (run without a frame).
    fn trivial_kind(&mut self, index: u32, code: &CompiledCode) -> Option<MethodKind> {
        let instrs: Vec<Instr> = decode_all(&code.code)
            .ok()?
            .into_iter()
            .map(|(_, i)| i)
            .collect();
        let lit = |vm: &mut Vm, o: Oop| {
            let m = &mut vm.s.methods[index as usize];
            m.literals.push(o);
            MethodKind::Literal((m.literals.len() - 1) as u16)
        };
        Some(match instrs.as_slice() {
            [Instr::PushField { n }, Instr::ReturnTop] if code.num_args == 0 => {
                MethodKind::Getter(*n)
            }
            [Instr::PushLocal { n: 1 }, Instr::PopField { n }, Instr::ReturnSelf]
                if code.num_args == 1 =>
            {
                MethodKind::Setter(*n)
            }
            [Instr::ReturnSelf] => MethodKind::ReturnSelf,
            [Instr::PushLiteral { lit: l }, Instr::ReturnTop] => MethodKind::Literal(*l),
            [Instr::PushSmall { value }, Instr::ReturnTop] => {
                lit(self, Oop::small_int(*value as i64))
            }
            [Instr::PushNil, Instr::ReturnTop] => {
                let o = self.nil();
                lit(self, o)
            }
            [Instr::PushTrue, Instr::ReturnTop] => {
                let o = self.s.specials.true_;
                lit(self, o)
            }
            [Instr::PushFalse, Instr::ReturnTop] => {
                let o = self.s.specials.false_;
                lit(self, o)
            }
            _ => return None,
        })
    }

    /// Makes the heap object for a literal.
    fn literal_object(&mut self, lit: &Literal) -> VmResult<Oop> {
        Ok(match lit {
            Literal::Integer(i) => self.new_int(*i)?,
            Literal::LargeInteger(b) => self.new_integer(b)?,
            Literal::Double(d) => self.new_double(*d)?,
            Literal::String(s) => self.new_string(s.as_bytes())?,
            Literal::Symbol(s) => self.symbol_for(s)?,
            Literal::Character(c) => Oop::from_char(*c as u32),
            Literal::Nil => self.nil(),
            Literal::True => self.s.specials.true_,
            Literal::False => self.s.specials.false_,
            Literal::Array(items) => {
                let base = self.s.scratch.len();
                for item in items {
                    let o = self.literal_object(item)?;
                    self.s.scratch.push(o);
                }
                self.new_array_from_scratch(base)?
            }
        })
    }

    /// Boots: reserves the core class indices, makes nil/true/false/system and loads the
    /// core kernel classes.
    pub(crate) fn bootstrap(&mut self) -> VmResult<()> {
        for name in BOOT_CLASSES {
            self.reserve(name);
        }
        let r = |vm: &Vm, n: &str| vm.reserved[n].0 .0;
        let known = crate::state::Known {
            object: r(self, "Object"),
            class: r(self, "Class"),
            metaclass: r(self, "Metaclass"),
            nil: r(self, "Nil"),
            true_: r(self, "True"),
            false_: r(self, "False"),
            integer: r(self, "Integer"),
            double: r(self, "Double"),
            string: r(self, "String"),
            symbol: r(self, "Symbol"),
            array: r(self, "Array"),
            blocks: [
                r(self, "Block1"),
                r(self, "Block2"),
                r(self, "Block3"),
                r(self, "Block3"),
            ],
            method: r(self, "Method"),
            primitive: r(self, "Primitive"),
            system: r(self, "System"),
            character: r(self, "Character"),
            exception: self.reserve("Exception").0 .0,
            process: self.reserve("Process").0 .0,
            semaphore: self.reserve("Semaphore").0 .0,
        };
        self.s.known = known;
        // nil first: it fills every pointer slot allocated from now on.
        let nil = self.alloc_old(ClassIndex(known.nil), Format::Zero, 0, 0)?;
        self.heap.set_nil(nil);
        self.s.specials.nil = nil;
        self.s.specials.true_ = self.alloc_old(ClassIndex(known.true_), Format::Zero, 0, 0)?;
        self.s.specials.false_ = self.alloc_old(ClassIndex(known.false_), Format::Zero, 0, 0)?;
        self.s.specials.system = self.alloc_old(ClassIndex(known.system), Format::Zero, 0, 0)?;
        for b in 0..=255u8 {
            let s = self.alloc_old(ClassIndex(known.string), Format::Bytes, 0, 1)?;
            self.heap.bytes_mut(s)[0] = b;
            self.s.char_strings.push(s);
        }
        // Class's own fields are needed before Class is loaded (root metaclass).
        if let Some((src, file)) = self.kernel_source("Class")? {
            let def = crate::syntax::parse_class(&src, &file)
                .map_err(|e| VmError::Compile(e.to_string()))?;
            self.class_instance_fields =
                def.instance_fields.iter().map(|f| f.name.clone()).collect();
        }
        for name in BOOT_CLASSES {
            if self.load_global(name)?.is_none() && name != "Character" {
                return Err(VmError::Fatal(format!("the kernel has no class {name}")));
            }
        }
        for name in ["nil", "true", "false", "system"] {
            let id = self.intern(name);
            let s = self.s.specials;
            let v = match name {
                "nil" => s.nil,
                "true" => s.true_,
                "false" => s.false_,
                _ => s.system,
            };
            self.set_global(id, v);
        }
        // Loaded now rather than at the first failed lookup: that lookup may be a
        // `perform:` of a weak selector, which must not see an allocation before its
        // `doesNotUnderstand:` message holds the Symbol (symbols.rs).
        self.protocol_class();
        Ok(())
    }
}

/// Longest global name looked up as a class file (`Name.som` stays under the usual
/// 255-byte file-name limit).
const MAX_CLASS_FILE_NAME: usize = 200;

/// True when global `name` may name a class file: an identifier (a letter, then letters,
/// digits or `_`) of at most [`MAX_CLASS_FILE_NAME`] bytes. Anything else (`system global:`
/// with a path, `..`, or a name too long for the file system) is simply not a class, never
/// a file outside the class path or an I/O error.
fn names_a_class_file(name: &str) -> bool {
    name.len() <= MAX_CLASS_FILE_NAME
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The text of class file `path`: None when there is no such file; a class-loading
/// error naming the file when it cannot be read or is not UTF-8 text.
fn read_class_file(path: &std::path::Path) -> VmResult<Option<(String, String)>> {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(VmError::Compile(format!(
                "{shown}: error: cannot read the class file: {e}"
            )))
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some((text, shown))),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(valid).unwrap_or_default();
            let line = prefix.matches('\n').count() + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(VmError::Compile(format!(
                "{shown}:{line}:{column}: error: the class file is not UTF-8 text (byte 0x{:02x})",
                e.as_bytes()[valid.len()]
            )))
        }
    }
}

/// True when `code` or a nested block touches an instance variable.
fn uses_fields(code: &CompiledCode) -> bool {
    let direct = decode_all(&code.code).map_or(true, |is| {
        is.iter().any(|(_, i)| {
            matches!(
                i,
                Instr::PushField { .. } | Instr::StoreField { .. } | Instr::PopField { .. }
            )
        })
    });
    direct || code.blocks.iter().any(uses_fields)
}

/// Classes loaded at boot (Character is optional).
const BOOT_CLASSES: [&str; 18] = [
    "Object",
    "Class",
    "Metaclass",
    "Nil",
    "True",
    "False",
    "Integer",
    "Double",
    "String",
    "Symbol",
    "Array",
    "Block1",
    "Block2",
    "Block3",
    "Method",
    "Primitive",
    "System",
    "Character",
];

/// Kernel classes whose instances `new` cannot make (immediates, blocks, methods...).
pub(crate) const SPECIAL_SHAPES: &[&str] = &[
    "Integer",
    "Symbol",
    "Double",
    "Nil",
    "True",
    "False",
    "Block",
    "Block1",
    "Block2",
    "Block3",
    "Method",
    "Primitive",
    "Class",
    "Metaclass",
    "System",
    "Character",
    "Boolean",
];
