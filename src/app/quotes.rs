//! Quote intake: atomic, idempotent import of approved-quote files.

use super::quote_file::{read_quote_file, QuoteFileError};
use super::Permission;
use super::{audit, AppError, Service};
use crate::domain::quote::{self, Quote};
use crate::domain::PendingItem;
use crate::identity::Actor;
use crate::store::StoredQuote;
use serde::Serialize;
use serde_json::json;
use std::path::Path;

/// Pending items made and written together while a quote is imported.
const ITEM_BATCH: usize = 1024;

/// What importing one quote did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ImportOutcome {
    /// New quote: `items` pending items made from `lines` lines (`skipped` did not enter).
    Imported {
        quote_id: String,
        lines: usize,
        items: Vec<u64>,
        skipped: usize,
    },
    /// The same quote with the same content was imported before; nothing changed.
    Unchanged { quote_id: String },
}

/// What importing one file did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub quotes: Vec<ImportOutcome>,
}

impl ImportReport {
    /// Lines that became items over the file.
    pub fn items_created(&self) -> usize {
        self.quotes
            .iter()
            .map(|q| match q {
                ImportOutcome::Imported { items, .. } => items.len(),
                ImportOutcome::Unchanged { .. } => 0,
            })
            .sum()
    }
}

/// Parses a quote file by its extension (`.csv` is CSV, anything else JSON).
pub fn parse_quote_file(name: &str, text: &str) -> Result<Vec<Quote>, quote::QuoteError> {
    if name.to_ascii_lowercase().ends_with(".csv") {
        quote::parse_csv(text)
    } else {
        quote::parse_json(text).map(|q| vec![q])
    }
}

/// Why the quote file `file` could not be read, as the import reports it.
pub fn read_error(file: &str, e: QuoteFileError) -> AppError {
    let (file, message) = (file.to_string(), e.to_string());
    match e {
        QuoteFileError::Io(_) => AppError::ReadFailed { file, message },
        QuoteFileError::NotUtf8 { .. } => AppError::Unreadable { file, message },
        QuoteFileError::NotAFile { .. } | QuoteFileError::TooLarge { .. } => AppError::FileRefused { file, message },
    }
}

fn parse(file: &str, text: &str) -> Result<Vec<Quote>, AppError> {
    parse_quote_file(file, text).map_err(|error| AppError::BadQuote {
        file: file.to_string(),
        error,
    })
}

impl Service {
    /// Imports one quote file (JSON or CSV): all of it or nothing. The file is read with
    /// the limits of [`read_quote_file`], and its text is let go once it is parsed.
    pub fn import_file(&self, actor: &Actor, path: &Path) -> Result<ImportReport, AppError> {
        Self::may_import(actor)?;
        let file = path.display().to_string();
        let quotes = {
            let text = read_quote_file(path, self.config.import.max_file_bytes()).map_err(|e| read_error(&file, e))?;
            parse(&file, &text)?
        };
        self.import_quotes(actor, &file, quotes)
    }

    /// Imports the text of a quote file a client of the service read for it: refused
    /// over `[import] max_file_mb` as the file itself would have been.
    pub fn import_sent_text(&self, actor: &Actor, file: &str, text: &str) -> Result<ImportReport, AppError> {
        Self::may_import(actor)?;
        let limit = self.config.import.max_file_bytes();
        if text.len() as u64 > limit {
            let e = QuoteFileError::TooLarge {
                size: text.len() as u64,
                limit,
            };
            return Err(read_error(file, e));
        }
        self.import_text(actor, file, text)
    }

    /// Refuses, naming the roles needed, unless `actor` may import quotes.
    pub fn may_import(actor: &Actor) -> Result<(), AppError> {
        Ok(Permission::ImportQuotes.check(actor)?)
    }

    /// Imports quote text named `file` (for messages): all of it or nothing.
    pub fn import_text(&self, actor: &Actor, file: &str, text: &str) -> Result<ImportReport, AppError> {
        Self::may_import(actor)?;
        let quotes = parse(file, text)?;
        self.import_quotes(actor, file, quotes)
    }

    /// Imports the quotes of one file: all of them or nothing.
    fn import_quotes(&self, actor: &Actor, file: &str, quotes: Vec<Quote>) -> Result<ImportReport, AppError> {
        let now = self.now();
        let digests: Vec<String> = quotes.iter().map(Quote::content_digest).collect();
        // Importing again what is already there changes nothing, so it writes nothing.
        let all_unchanged = self.store.read(|tx| {
            quotes.iter().zip(&digests).try_fold(true, |all, (q, digest)| {
                Ok::<_, AppError>(all && tx.quote(&q.quote_id)?.is_some_and(|e| &e.digest == digest))
            })
        })?;
        if all_unchanged {
            let quotes = quotes
                .iter()
                .map(|q| ImportOutcome::Unchanged {
                    quote_id: q.quote_id.clone(),
                })
                .collect();
            return Ok(ImportReport {
                file: file.to_string(),
                quotes,
            });
        }
        let outcomes = self.store.write(|tx| {
            let mut outcomes = Vec::with_capacity(quotes.len());
            // Each quote is moved into the store, never copied: a large quote is in memory
            // once, then as the bytes stored (see `put_quote`).
            for (q, digest) in quotes.into_iter().zip(digests) {
                if let Some(existing) = tx.quote(&q.quote_id)? {
                    if existing.digest == digest {
                        outcomes.push(ImportOutcome::Unchanged {
                            quote_id: q.quote_id.clone(),
                        });
                        continue;
                    }
                    return Err(AppError::QuoteChanged {
                        file: file.to_string(),
                        quote_id: q.quote_id.clone(),
                        first_source: existing.source,
                    });
                }
                // Items are written a batch at a time, so that a quote of many lines is not
                // held a second time as items.
                let mut ids = Vec::new();
                let mut items = Vec::with_capacity(ITEM_BATCH);
                for line in q.procurement_lines() {
                    let id = tx.next_item_id()?;
                    items.push(PendingItem::from_quote_line(id, &q, line, now));
                    ids.push(id);
                    if items.len() == ITEM_BATCH {
                        tx.put_items(&items)?;
                        items.clear();
                    }
                }
                tx.put_items(&items)?;
                drop(items);
                let (quote_id, lines) = (q.quote_id.clone(), q.lines.len());
                let after = json!({
                    "quote_id": quote_id,
                    "customer": q.customer.name,
                    "file": file,
                    "digest": digest,
                    "lines": lines,
                    "items": ids,
                });
                tx.put_quote(StoredQuote {
                    quote: q,
                    digest,
                    imported_at: now,
                    imported_by: actor.name.clone(),
                    source: file.to_string(),
                })?;
                audit(
                    tx,
                    now,
                    actor,
                    "quote.import",
                    &format!("quote {quote_id}"),
                    &serde_json::Value::Null,
                    &after,
                )?;
                outcomes.push(ImportOutcome::Imported {
                    quote_id,
                    lines,
                    skipped: lines - ids.len(),
                    items: ids,
                });
            }
            // Two quotes with one id in one CSV file: the second is refused as changed
            // content by the check above, or counted unchanged when identical.
            Ok::<_, AppError>(outcomes)
        })?;
        tracing::info!(file, actor = %actor.name, quotes = outcomes.len(), "quote file imported");
        Ok(ImportReport {
            file: file.to_string(),
            quotes: outcomes,
        })
    }
}
