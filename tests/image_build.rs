//! `cairn build` (`docs/design/images.md`): two builds of the same sources, in two
//! processes, write byte-identical images that load and run the built classes; a class
//! that does not compile fails the build with its file named and writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    dir
}

fn cairn_build(src: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .arg("build")
        .arg("--source")
        .arg(src)
        .arg("-o")
        .arg(out)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

#[test]
fn two_builds_write_identical_images() {
    let dir = scratch("build-twice");
    std::fs::write(
        dir.join("src/Counter.som"),
        "Counter = (\n  | n |\n  bump = ( n := (n ifNil: [0]) + 1 )\n  n = ( ^n )\n)\n",
    )
    .unwrap();
    let (a, b) = (dir.join("a.image"), dir.join("b.image"));
    for out in [&a, &b] {
        let o = cairn_build(&dir.join("src"), out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(a == b, "two builds differ");
    assert!(!dir.join("a.image.tmp").exists());
    let mut vm = cairn_vm::Vm::load_image(&a, vec![], cairn_vm::DEFAULT_MAX_HEAP).unwrap();
    assert_eq!(
        vm.eval("| c | c := Counter new. c bump; bump; bump. c n")
            .unwrap(),
        "3"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_class_that_does_not_compile_fails_the_build() {
    let dir = scratch("build-broken");
    std::fs::write(dir.join("src/Broken.som"), "Broken = ( foo = ( ^ ) )\n").unwrap();
    let out = dir.join("broken.image");
    let o = cairn_build(&dir.join("src"), &out);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("Broken.som"), "{stderr}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
