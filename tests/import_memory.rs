//! Memory while a large quote file is imported: a small multiple of the file's size.
//!
//! This test binary counts every heap allocation (its own global allocator) and records the
//! peak of live bytes while one import runs, from reading the file to the commit. Only
//! this one test runs in this binary, so nothing else allocates meanwhile; allocation
//! counts do not depend on the machine's speed.

use purser::app::Service;
use purser::config::Config;
use purser::store::Store;
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; only counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// A quote of `n` product lines with every usual field, as a quoting tool writes it.
fn big_quote(n: usize) -> String {
    let mut s = String::from(
        "{\n  \"quote_id\": \"Q-BIG\",\n  \"approved_at\": \"2026-11-20T09:30:00Z\",\n  \"currency\": \"EUR\",\n  \
         \"customer\": {\"id\": \"C-77\", \"name\": \"Dentalcare West\"},\n  \"lines\": [\n",
    );
    for i in 1..=n {
        let _ = writeln!(
            s,
            "    {{\"line_id\": \"{i}\", \"kind\": \"product\", \"sku\": \"SKU-{i:06}\", \"mpn\": \"MPN-{i:06}\", \
             \"description\": \"Notebook 14in i5 16GB model {i}\", \"quantity\": 3, \"unit_cost\": \"899.00\", \
             \"unit_price\": \"1149.00\", \"distributor\": \"ingram\", \"distributor_sku\": \"7X{i:06}\", \
             \"requires_procurement\": true, \"recurring\": false, \"serialized\": true}}{}",
            if i < n { "," } else { "" }
        );
    }
    s.push_str("  ]\n}\n");
    s
}

#[test]
fn importing_a_large_quote_takes_a_small_multiple_of_its_size_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(Config::parse("[users.alice]\nroles = [\"buyer\"]\n").unwrap());
    let alice = purser::identity::resolve(&config, Some("alice"), "alice").unwrap();
    let svc = Service::new(
        Store::open(&dir.path().join("purser.redb")).unwrap(),
        config,
        purser::app::system_clock(),
    );
    let path = dir.path().join("big.json");
    let size = {
        let text = big_quote(40_000);
        std::fs::write(&path, &text).unwrap();
        text.len()
    };
    assert!(size > 12_000_000, "{size}");

    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let report = svc.import_file(&alice, &path).expect("the quote imports");
    let peak = PEAK.load(Relaxed) - before;
    assert_eq!(report.items_created(), 40_000);
    drop(report);

    let ratio = peak as f64 / size as f64;
    eprintln!("file {size} bytes, peak {peak} bytes above the start: {ratio:.2} × the file");
    assert!(ratio < 4.0, "importing took {ratio:.2} × the file's size");
}
