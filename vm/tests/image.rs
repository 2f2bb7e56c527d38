//! Whole-VM images (`docs/design/images.md`): a booted VM saved and loaded back answers
//! every expression as before, without the kernel sources; `build_image` gives the same
//! bytes for the same sources, and its image holds the classes it was built from.

use std::path::PathBuf;

use cairn_vm::image::{build_image, BuildInputs};
use cairn_vm::{Vm, DEFAULT_MAX_HEAP};

const EXPRESSIONS: &[&str] = &[
    "3 + 4",
    "(1 to: 10) inject: 0 into: [:a :b | a + b]",
    "100 factorial printString size",
    "'stressed' reverse",
    "#foo == 'foo' asSymbol",
    "(Array new: 3) at: 2 put: 5; yourself",
    "3 class name",
    "(Dictionary new at: #a put: 1; at: #b put: 2; yourself) size",
    "[:x | x * x] value: 12",
    "[1/0] on: ZeroDivide do: [:e | e messageText]",
    "[nil foo] on: MessageNotUnderstood do: [:e | e messageText]",
];

fn answers(vm: &mut Vm) -> Vec<String> {
    EXPRESSIONS
        .iter()
        .map(|e| match vm.eval(e) {
            Ok(s) => s,
            Err(err) => {
                vm.abandon_run();
                format!("error: {err}")
            }
        })
        .collect()
}

#[test]
fn a_loaded_vm_answers_as_the_saved_one() {
    let mut vm = Vm::new(vec![]).unwrap();
    let before = answers(&mut vm);
    assert_eq!(before[0], "7");
    let bytes = vm.save_image(b"{}").unwrap();
    assert_eq!(answers(&mut vm), before, "the saving VM goes on");
    let mut loaded = Vm::load_image(&bytes, vec![], DEFAULT_MAX_HEAP).unwrap();
    assert_eq!(answers(&mut loaded), before);
    // Saved again, the loaded VM loads again.
    let again = loaded.save_image(b"{}").unwrap();
    let mut third = Vm::load_image(&again, vec![], DEFAULT_MAX_HEAP).unwrap();
    assert_eq!(answers(&mut third), before);
}

#[test]
fn a_damaged_vm_image_is_refused() {
    let mut vm = Vm::new(vec![]).unwrap();
    let mut bytes = vm.save_image(b"{}").unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x10;
    let e = Vm::load_image(&bytes, vec![], DEFAULT_MAX_HEAP)
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "image checksum mismatch: the file is corrupt"
    );
}

fn sources() -> (PathBuf, BuildInputs) {
    let dir = std::env::temp_dir().join(format!("cairn-build-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Greeter.som"),
        "Greeter = (\n  | count |\n  greet: name = ( count := (count ifNil: [0]) + 1. ^'Hello, ', name )\n  count = ( ^count )\n)\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Shouter.som"),
        "Shouter = Greeter (\n  greet: name = ( ^(super greet: name) , '!' )\n)\n",
    )
    .unwrap();
    let inputs = BuildInputs {
        sources: vec![dir.clone()],
        created: 1_700_000_000,
        max_heap_bytes: DEFAULT_MAX_HEAP,
        boot: None,
        main: None,
    };
    (dir, inputs)
}

#[test]
fn building_twice_gives_the_same_bytes() {
    let (dir, inputs) = sources();
    let first = build_image(&inputs).unwrap();
    let second = build_image(&inputs).unwrap();
    assert!(first == second, "two builds of the same sources differ");
    let mut vm = Vm::load_image(&first, vec![], DEFAULT_MAX_HEAP).unwrap();
    assert_eq!(
        vm.eval("Shouter new greet: 'image'").unwrap(),
        "'Hello, image!'"
    );
    let manifest = cairn_gc::image::read(&first).unwrap().manifest.to_vec();
    let manifest = String::from_utf8(manifest).unwrap();
    assert!(manifest.contains("\"created\":1700000000"), "{manifest}");
    assert!(manifest.contains("Greeter.som"), "{manifest}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Random byte edits with the checksum recomputed, half of them inside the VM record
/// (the first object of the image): loading never panics, and a VM that loads runs an
/// expression without crashing the process (a panic inside is reported as an error).
#[test]
fn resealed_corruptions_of_a_vm_image_never_panic() {
    let mut vm = Vm::new(vec![]).unwrap();
    let bytes = vm.save_image(b"{}").unwrap();
    let header = cairn_gc::image::read(&bytes).unwrap().header;
    let record_at = header.objects_offset as usize;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut loaded, mut refused) = (0, 0);
    for trial in 0..300 {
        let mut bad = bytes.clone();
        for _ in 0..1 + next() % 3 {
            let at = if trial % 2 == 0 {
                record_at + 16 + (next() % 4000) as usize
            } else {
                24 + (next() as usize) % (bad.len() - 24)
            };
            bad[at] ^= (next() % 255 + 1) as u8;
        }
        cairn_gc::image::reseal(&mut bad);
        let outcome = std::panic::catch_unwind(|| {
            Vm::load_image(&bad, vec![], DEFAULT_MAX_HEAP).map(|mut vm| {
                let stop = vm.interrupt_handle();
                std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    stop.stop();
                });
                let _ = vm.eval("(1 to: 5) inject: 0 into: [:a :b | a + b]");
            })
        });
        match outcome {
            Ok(Ok(())) => loaded += 1,
            Ok(Err(_)) => refused += 1,
            Err(_) => panic!("trial {trial}: loading a corrupted image panicked"),
        }
    }
    assert!(
        refused > 0 && loaded > 0,
        "{loaded} loaded, {refused} refused"
    );
}
