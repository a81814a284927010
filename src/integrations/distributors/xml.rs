//! A small XML tree for the distributors' XML documents (TD SYNNEX, Onetrail), read with
//! quick-xml, and a writer that escapes every value.

use quick_xml::events::Event;
use quick_xml::Reader;

/// An element with its attributes, child elements and text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    pub text: String,
}

impl Node {
    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child element called `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at a `/`-separated path below this one.
    pub fn at(&self, path: &str) -> Option<&Node> {
        path.split('/').try_fold(self, |n, part| n.child(part))
    }

    /// Trimmed text at a path; `None` when missing or empty.
    pub fn text_at(&self, path: &str) -> Option<String> {
        self.at(path)
            .map(|n| n.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parses a document into its root element.
pub fn parse(text: &str) -> Result<Node, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed XML at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let mut node = Node {
                    name: e.local_name().as_ref().to_string(),
                    ..Node::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|e| format!("bad attribute: {e}"))?;
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| format!("bad attribute value: {e}"))?;
                    node.attrs
                        .push((a.key.local_name().as_ref().to_string(), value.into_owned()));
                }
                stack.push(node);
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack, &mut root)?;
                }
            }
            Event::End(_) => close(&mut stack, &mut root)?,
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    _ => match r.xml10_content().as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => return Err(format!("unknown entity &{other};")),
                    },
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("not well-formed XML: the document ends inside an element".into());
    }
    root.ok_or_else(|| "not XML: no root element".into())
}

fn close(stack: &mut Vec<Node>, root: &mut Option<Node>) -> Result<(), String> {
    let node = stack.pop().ok_or("not well-formed XML: an end tag without a start")?;
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
    Ok(())
}

/// Writes an XML document element by element, escaping every value.
pub struct XmlWriter {
    buf: String,
    open: Vec<String>,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    pub fn new() -> Self {
        XmlWriter {
            buf: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.buf.push_str("  ");
        }
    }

    /// Opens an element with attributes.
    pub fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            self.buf
                .push_str(&format!(" {k}=\"{}\"", quick_xml::escape::escape(*v)));
        }
        self.buf.push_str(">\n");
        self.open.push(name.to_string());
        self
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.open_with(name, &[])
    }

    pub fn close(&mut self) -> &mut Self {
        let name = self.open.pop().expect("close matches an open element");
        self.indent();
        self.buf.push_str(&format!("</{name}>\n"));
        self
    }

    /// An element holding text.
    pub fn leaf(&mut self, name: &str, value: &str) -> &mut Self {
        self.indent();
        self.buf
            .push_str(&format!("<{name}>{}</{name}>\n", quick_xml::escape::escape(value)));
        self
    }

    /// An element holding text, when there is a value.
    pub fn leaf_opt(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.leaf(name, v);
        }
        self
    }

    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_with_escapes() {
        let mut w = XmlWriter::new();
        w.open("A")
            .open_with("B", &[("n", "1&2")])
            .leaf("C", "Smith & <Sons>")
            .close();
        let doc = parse(&w.finish()).unwrap();
        assert_eq!(doc.name, "A");
        assert_eq!(doc.child("B").unwrap().attr("n"), Some("1&2"));
        assert_eq!(doc.text_at("B/C").as_deref(), Some("Smith & <Sons>"));
    }

    #[test]
    fn refuses_broken_xml() {
        assert!(parse("<A><B></A>").is_err());
        assert!(parse("<A>").is_err());
    }
}
