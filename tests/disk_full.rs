//! A full disk: the command that meets it gets a clear message and changes nothing, the
//! same open database carries on once there is room again, and the file reopens intact.
//!
//! The disk is "filled" with a file-size limit (RLIMIT_FSIZE) on this test process: a
//! write that would grow the database past it fails with EFBIG, as a full disk fails with
//! ENOSPC. The limit covers the whole process, so this file holds one test only.

use purser::app::{system_clock, Service};
use purser::config::Config;
use purser::identity;
use purser::store::Store;
use std::sync::Arc;

const CONFIG: &str = r#"
[users.sam]
roles = ["buyer"]

[distributors.ingram]
kind = "manual"
name = "Ingram Micro"
currency = "EUR"
"#;

fn quote(id: &str, lines: u32) -> String {
    let lines: Vec<serde_json::Value> = (0..lines)
        .map(|l| {
            serde_json::json!({
                "line_id": l.to_string(), "kind": "product",
                "sku": format!("{id}-SKU-{l}"), "mpn": format!("MPN{l:05}"),
                "description": format!("Product {l} of {id}, described at some length to take room"),
                "quantity": 2, "unit_cost": "10.00", "unit_price": "12.00",
                "distributor": "ingram", "serialized": false
            })
        })
        .collect();
    serde_json::json!({
        "quote_id": id, "approved_at": "2026-11-20T09:30:00Z", "currency": "EUR",
        "customer": {"id": "C1", "name": "Dentalcare West"},
        "lines": lines
    })
    .to_string()
}

/// Sets the soft file-size limit of this process (the hard limit stays where it is).
fn limit_file_size(bytes: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain libc calls on a local struct; SIGXFSZ is ignored so that a write past
    // the limit fails with EFBIG instead of ending the process.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut lim), 0);
        lim.rlim_cur = bytes.min(lim.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

#[test]
fn a_full_disk_changes_nothing_and_the_database_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("purser.redb");
    let config = Arc::new(Config::parse(CONFIG).unwrap());
    let sam = identity::resolve(&config, Some("sam"), "sam").unwrap();
    let svc = Service::new(Store::open(&path).unwrap(), config.clone(), system_clock());
    svc.import_text(&sam, "small.json", &quote("Q-SMALL", 5)).unwrap();
    let items_before = svc.list_items(&Default::default()).unwrap();
    let audit_before = svc.audit(&Default::default()).unwrap();

    // Room for a few more pages, not for 3,000 quote lines.
    let size = std::fs::metadata(&path).unwrap().len();
    limit_file_size(size + 64 * 1024);
    let big = quote("Q-BIG", 3000);
    let err = svc.import_text(&sam, "big.json", &big).unwrap_err().to_string();
    assert!(
        err.contains("the disk is full") && err.contains("nothing was changed"),
        "{err}"
    );

    // The same service still reads, and nothing of the big quote is there.
    assert_eq!(svc.list_items(&Default::default()).unwrap(), items_before);
    assert_eq!(svc.audit(&Default::default()).unwrap(), audit_before);

    // Room again: the same service imports it, whole.
    limit_file_size(u64::MAX);
    let report = svc.import_text(&sam, "big.json", &big).unwrap();
    assert_eq!(report.quotes.len(), 1);
    assert_eq!(svc.list_items(&Default::default()).unwrap().len(), 5 + 3000);
    drop(svc);

    // Reopened from the file: everything there, the audit chain intact.
    let store = Store::open(&path).unwrap();
    let (items, audit) = store
        .read(|tx| Ok::<_, purser::store::StoreError>((tx.items()?, tx.audit()?)))
        .unwrap();
    assert_eq!(items.len(), 5 + 3000);
    assert_eq!(audit.len(), audit_before.len() + 1);
    let last = store.read(|tx| tx.audit_last_recorded()).unwrap();
    // The chain verifies with the key, and the trail replays to every item (no state
    // of the refused import was kept).
    let check = Service::new(store, config, system_clock()).check_audit(None).unwrap();
    assert_eq!(check.chain.unwrap().entries, last);
    assert_eq!(check.replay.differences, vec![]);
    assert_eq!(check.replay.compared, 5 + 3000);
}
