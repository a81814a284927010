//! Taking back one writer's part of a shared transaction.
//!
//! redb offers savepoints only before a transaction has written anything, so a grouped
//! transaction (several commands committed together, see `group`) keeps its own undo
//! log instead: every insert and remove notes the value the key held before. When one
//! command of the group refuses, its writes are undone, newest first, and the others'
//! stay.

use super::StoreError;
use redb::{AccessGuard, Key, Table, TableDefinition, Value, WriteTransaction};
use std::borrow::Borrow;

/// Puts one key of one table back as it was.
pub(super) type Undo = Box<dyn FnOnce(&WriteTransaction) -> Result<(), StoreError>>;

/// How to put `key` of `def` back to `old` (its value before the write; none: it was not
/// there). The key and value are kept as redb's own bytes.
fn undo_of<K: Key + 'static, V: Value + 'static>(
    def: TableDefinition<'static, K, V>,
    key: &K::SelfType<'_>,
    old: Option<AccessGuard<'_, V>>,
) -> Undo {
    let key = K::as_bytes(key).as_ref().to_vec();
    let old = old.map(|v| V::as_bytes(&v.value()).as_ref().to_vec());
    Box::new(move |txn| {
        let mut t = txn.open_table(def)?;
        match old {
            Some(v) => drop(t.insert(K::from_bytes(&key), V::from_bytes(&v))?),
            None => drop(t.remove(K::from_bytes(&key))?),
        }
        Ok(())
    })
}

/// A table opened for writing whose writes go into the undo log, when one is kept.
/// Reads go straight to the table (`Deref`); writes only through [`Logged::insert`] and
/// [`Logged::remove`].
pub(super) struct Logged<'t, K: Key + 'static, V: Value + 'static> {
    table: Table<'t, K, V>,
    def: TableDefinition<'static, K, V>,
    log: Option<&'t mut Vec<Undo>>,
}

impl<'t, K: Key + 'static, V: Value + 'static> Logged<'t, K, V> {
    pub(super) fn new(
        table: Table<'t, K, V>,
        def: TableDefinition<'static, K, V>,
        log: Option<&'t mut Vec<Undo>>,
    ) -> Self {
        Logged { table, def, log }
    }

    pub(super) fn insert<'k, 'v>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
        value: impl Borrow<V::SelfType<'v>>,
    ) -> Result<(), StoreError> {
        let old = self.table.insert(key.borrow(), value)?;
        if let Some(log) = self.log.as_deref_mut() {
            log.push(undo_of(self.def, key.borrow(), old));
        }
        Ok(())
    }

    pub(super) fn remove<'k>(&mut self, key: impl Borrow<K::SelfType<'k>>) -> Result<(), StoreError> {
        let old = self.table.remove(key.borrow())?;
        if let (Some(log), Some(old)) = (self.log.as_deref_mut(), old) {
            log.push(undo_of(self.def, key.borrow(), Some(old)));
        }
        Ok(())
    }
}

impl<'t, K: Key + 'static, V: Value + 'static> std::ops::Deref for Logged<'t, K, V> {
    type Target = Table<'t, K, V>;
    fn deref(&self) -> &Self::Target {
        &self.table
    }
}

/// Undoes the writes noted in `log` after its first `keep` entries, newest first.
pub(super) fn undo_after(txn: &WriteTransaction, log: &mut Vec<Undo>, keep: usize) -> Result<(), StoreError> {
    while log.len() > keep {
        let undo = log.pop().expect("the log is longer than `keep`");
        undo(txn)?;
    }
    Ok(())
}
