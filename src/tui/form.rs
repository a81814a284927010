//! Dialogs: forms of text and choice fields, pick lists, and yes/no confirmations.

use super::widgets::Cursor;
use crate::domain::{ItemId, PoNumber};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeSet;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

/// A field of a form.
#[derive(Debug, Clone)]
pub enum FieldKind {
    Text(Input),
    Choice { options: Vec<String>, idx: usize },
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: String,
    pub kind: FieldKind,
}

impl Field {
    pub fn text(label: &str, value: &str) -> Field {
        Field {
            label: label.into(),
            kind: FieldKind::Text(Input::new(value.to_string())),
        }
    }

    pub fn choice(label: &str, options: Vec<String>, idx: usize) -> Field {
        Field {
            label: label.into(),
            kind: FieldKind::Choice { options, idx },
        }
    }

    /// The text typed, or the label of the chosen option.
    pub fn value(&self) -> &str {
        match &self.kind {
            FieldKind::Text(i) => i.value(),
            FieldKind::Choice { options, idx } => options.get(*idx).map_or("", String::as_str),
        }
    }

    pub fn idx(&self) -> usize {
        match &self.kind {
            FieldKind::Choice { idx, .. } => *idx,
            FieldKind::Text(_) => 0,
        }
    }
}

/// What a form is for: decides what submitting does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Dismiss(Vec<ItemId>),
    Split(ItemId),
    CreateOrder {
        items: Vec<ItemId>,
        quote: String,
        /// The quote's ship-to, once loaded: where a dropship order goes.
        quote_ship_to: Option<Box<crate::domain::Address>>,
        /// Our warehouse: where a wholesale order goes.
        warehouse: Option<Box<crate::domain::Address>>,
    },
    Place {
        po: PoNumber,
        approve: bool,
    },
    /// The header of a pending order; `was` is what it held when the form opened.
    EditOrder {
        po: PoNumber,
        was: Box<crate::domain::order::OrderEdit>,
    },
    Reject(PoNumber),
    AddRule,
    ImportQuotes,
}

/// What a key did to a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Cancel,
    Submit,
}

/// A form: fields one per row, Tab/↑↓ between them, ←→ or space to change a choice,
/// Enter submits, Esc cancels.
#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    /// Each field's value as the form was filled (by Purser, not typed): what closing it
    /// would not lose.
    pub filled: Vec<String>,
    pub focus: usize,
    pub note: Option<String>,
    pub error: Option<String>,
    pub purpose: Purpose,
}

impl Form {
    pub fn new(title: &str, purpose: Purpose, fields: Vec<Field>) -> Form {
        Form {
            title: title.into(),
            filled: fields.iter().map(|f| f.value().to_string()).collect(),
            fields,
            focus: 0,
            note: None,
            error: None,
            purpose,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Form {
        self.note = Some(note.into());
        self
    }

    pub fn get(&self, label: &str) -> &Field {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .expect("form field exists")
    }

    /// The field with this label, when the form has one.
    pub fn find(&self, label: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.label == label)
    }

    /// Fills a text field (as Purser, not the user: see [`Form::has_typed`]).
    pub fn set_text(&mut self, label: &str, value: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.label == label) {
            self.fields[i].kind = FieldKind::Text(Input::new(value.to_string()));
            self.filled[i] = value.to_string();
        }
    }

    /// Whether anything typed or chosen would be lost by closing it.
    pub fn has_typed(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.filled)
            .any(|(f, filled)| f.value().trim() != filled.trim())
    }

    pub fn key(&mut self, ev: &KeyEvent) -> Outcome {
        let chosen = self.fields.get(self.focus).map(Field::idx);
        let outcome = self.key_inner(ev);
        if let Some(field) = self.fields.get(self.focus) {
            if matches!(field.kind, FieldKind::Choice { .. }) && Some(field.idx()) != chosen {
                // What a choice decides can fill other fields (an order's type, its ship-to).
                if matches!(self.purpose, Purpose::CreateOrder { .. }) {
                    super::panes::pending::type_chosen(self);
                }
            }
        }
        outcome
    }

    fn key_inner(&mut self, ev: &KeyEvent) -> Outcome {
        let n = self.fields.len();
        match ev.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Enter => return Outcome::Submit,
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + n - 1) % n,
            _ => {
                let field = &mut self.fields[self.focus];
                match &mut field.kind {
                    FieldKind::Text(input) => {
                        input.handle_event(&Event::Key(*ev));
                    }
                    FieldKind::Choice { options, idx } => match ev.code {
                        KeyCode::Left => *idx = (*idx + options.len() - 1) % options.len(),
                        KeyCode::Right | KeyCode::Char(' ') => *idx = (*idx + 1) % options.len(),
                        KeyCode::Char(c) if ev.modifiers - KeyModifiers::SHIFT == KeyModifiers::NONE => {
                            // Jump to the next option starting with the letter typed.
                            let c = c.to_ascii_lowercase();
                            let len = options.len();
                            if let Some(j) = (1..=len)
                                .map(|d| (*idx + d) % len)
                                .find(|j| options[*j].to_ascii_lowercase().starts_with(c))
                            {
                                *idx = j;
                            }
                        }
                        _ => {}
                    },
                }
            }
        }
        Outcome::Stay
    }
}

/// What a pick list is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickPurpose {
    /// Choose a pending order to add these items to.
    OrderFor(Vec<ItemId>),
    /// Choose pool items to add to this order.
    ItemsFor(PoNumber),
    /// Choose the status the Orders list shows (0: every status, else 1 + its index in
    /// `OrderStatus::ALL`).
    OrderStatus,
}

/// A filterable list to choose one row from (or several, with space, when `multi`).
#[derive(Debug, Clone)]
pub struct Picker {
    pub title: String,
    pub rows: Vec<(u64, String)>,
    pub filter: Input,
    pub view: Vec<usize>,
    pub cursor: Cursor,
    pub multi: bool,
    pub marked: BTreeSet<u64>,
    pub purpose: PickPurpose,
}

impl Picker {
    pub fn new(title: &str, rows: Vec<(u64, String)>, multi: bool, purpose: PickPurpose) -> Picker {
        let view = (0..rows.len()).collect();
        Picker {
            title: title.into(),
            rows,
            filter: Input::default(),
            view,
            cursor: Cursor::default(),
            multi,
            marked: BTreeSet::new(),
            purpose,
        }
    }

    fn refilter(&mut self) {
        let needle = self.filter.value().to_ascii_lowercase();
        self.view = (0..self.rows.len())
            .filter(|i| crate::domain::item::contains_ignore_ascii_case(&self.rows[*i].1, &needle))
            .collect();
        self.cursor.clamp(self.view.len());
    }

    /// The chosen values: the marked ones, or the highlighted row.
    pub fn chosen(&self) -> Vec<u64> {
        if !self.marked.is_empty() {
            return self.marked.iter().copied().collect();
        }
        self.view
            .get(self.cursor.sel)
            .map(|i| vec![self.rows[*i].0])
            .unwrap_or_default()
    }

    /// Types `text` into the filter (a paste, or a scan).
    pub fn paste(&mut self, text: &str) {
        super::input::insert_at_cursor(&mut self.filter, text);
        self.refilter();
    }

    pub fn key(&mut self, ev: &KeyEvent) -> Outcome {
        match ev.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Enter => return Outcome::Submit,
            KeyCode::Up => self.cursor.up(1),
            KeyCode::Down => self.cursor.down(1, self.view.len()),
            KeyCode::PageUp => self.cursor.up(10),
            KeyCode::PageDown => self.cursor.down(10, self.view.len()),
            KeyCode::Char(' ') if self.multi => {
                if let Some(i) = self.view.get(self.cursor.sel) {
                    let v = self.rows[*i].0;
                    if !self.marked.remove(&v) {
                        self.marked.insert(v);
                    }
                    self.cursor.down(1, self.view.len());
                }
            }
            _ => {
                if self.filter.handle_event(&Event::Key(*ev)).is_some() {
                    self.refilter();
                }
            }
        }
        Outcome::Stay
    }
}

/// What a yes/no question is about.
#[derive(Debug, Clone)]
pub enum Confirm {
    Cancel(PoNumber),
    RemoveRule(usize),
    Quit,
    /// Items of another distributor than the order's: sent with them allowed on `y`
    /// (with the form they came from, which a refusal reopens).
    OtherDistributors(Box<(crate::tui::worker::Command, Option<Form>)>),
}

/// An open dialog.
#[derive(Debug, Clone)]
pub enum Dialog {
    Form(Form),
    Pick(Picker),
    Confirm { text: String, what: Confirm },
}

impl Dialog {
    /// Whether closing it would lose something the user typed or chose: a form's fields,
    /// a pick list's filter or marks, the form a question about it holds.
    pub fn has_typed(&self) -> bool {
        match self {
            Dialog::Form(f) => f.has_typed(),
            Dialog::Pick(p) => !p.filter.value().is_empty() || !p.marked.is_empty(),
            Dialog::Confirm {
                what: Confirm::OtherDistributors(sent),
                ..
            } => sent.1.as_ref().is_some_and(Form::has_typed),
            Dialog::Confirm { .. } => false,
        }
    }
}
