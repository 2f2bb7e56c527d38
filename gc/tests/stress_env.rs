//! GC stress from the environment: `CAIRN_GC_STRESS=N` read by `HeapConfig::default()`
//! makes every N-th allocation collect. (One test per process: it sets the variable.)

mod common;

use cairn_gc::{Format, HeapConfig, Oop, STRESS_ENV};
use common::{assert_verified, boot, MockVm};

#[test]
fn stress_interval_comes_from_the_environment_and_collects() {
    // SAFETY (of the test): this process runs this single test, so no other thread reads
    // the environment concurrently.
    std::env::set_var(STRESS_ENV, "3");
    let config = HeapConfig {
        hash_seed: Some(7),
        nursery_bytes: 1 << 20,
        ..HeapConfig::default()
    };
    assert_eq!(config.stress_interval, 3);
    let (mut heap, class) = boot(config);
    assert_eq!(
        heap.try_alloc(class, Format::Fixed, 1, 0),
        None,
        "stress mode sends every allocation to the slow path"
    );
    let mut vm = MockVm::default();
    let mut last = Oop::small_int(0);
    for i in 0..300 {
        vm.roots.push(last);
        let o = heap.alloc(&mut vm, class, Format::Fixed, 2, 0).unwrap();
        last = vm.roots.pop().unwrap();
        heap.store(o, 0, last);
        heap.store(o, 1, Oop::small_int(i));
        last = o;
    }
    let stats = heap.stats();
    assert!(
        stats.scavenges >= 90 && stats.full_collections >= 10,
        "{stats}"
    );
    vm.roots.push(last);
    assert_verified(&mut heap, &mut vm);
    let mut n = 0;
    let mut o = vm.roots[0];
    while o.is_ptr() && o != heap.nil() {
        assert_eq!(heap.fetch(o, 1), Oop::small_int(299 - n));
        o = heap.fetch(o, 0);
        n += 1;
    }
    assert_eq!(n, 300);
    heap.set_stress_interval(0);
    assert!(heap.try_alloc(class, Format::Fixed, 1, 0).is_some());
}
