//! A small SMTP server on 127.0.0.1 for tests: speaks enough of RFC 5321 for lettre
//! (EHLO, MAIL, RCPT, DATA, RSET, QUIT), records each accepted message, and can refuse,
//! fail temporarily, or close the connection in the middle of a message or before
//! answering one it took.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// How the server treats the next messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 550 to every RCPT TO.
    RejectRecipients,
    /// 451 to MAIL FROM.
    TemporaryFailure,
    /// Reads part of the message body, then closes without answering.
    CloseMidMessage,
    /// Takes the whole message (it is recorded, as a real server would deliver it), then
    /// closes without answering: the client cannot know it arrived.
    CloseAfterMessage,
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpServer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
}

impl SmtpServer {
    pub fn start(mode: Mode) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(Mutex::new(mode));
        let (r, m) = (received.clone(), mode.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, m) = (r.clone(), m.clone());
                thread::spawn(move || {
                    let _ = session(stream, &r, &m);
                });
            }
        });
        SmtpServer { port, received, mode }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn session(stream: TcpStream, received: &Mutex<Vec<Received>>, mode: &Mutex<Mode>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let say = |out: &mut TcpStream, line: &str| -> std::io::Result<()> {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\r\n")?;
        out.flush()
    };
    say(&mut out, "220 localhost fake SMTP ready")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let current = *mode.lock().unwrap();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            out.write_all(b"250-localhost\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            if current == Mode::TemporaryFailure {
                say(&mut out, "451 4.3.0 try again later")?;
                continue;
            }
            from = cmd[10..].trim().trim_matches(['<', '>']).to_string();
            to.clear();
            say(&mut out, "250 OK")?;
        } else if upper.starts_with("RCPT TO:") {
            if current == Mode::RejectRecipients {
                say(&mut out, "550 5.1.1 mailbox unavailable")?;
                continue;
            }
            to.push(cmd[8..].trim().trim_matches(['<', '>']).to_string());
            say(&mut out, "250 OK")?;
        } else if upper == "DATA" {
            say(&mut out, "354 end with <CRLF>.<CRLF>")?;
            let mut data = String::new();
            let mut lines = 0;
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l)? == 0 {
                    return Ok(());
                }
                lines += 1;
                if current == Mode::CloseMidMessage && lines > 5 {
                    return Ok(()); // drop the connection mid-message
                }
                if l == ".\r\n" || l == ".\n" {
                    break;
                }
                let l = l.strip_prefix('.').map(str::to_string).unwrap_or(l);
                data.push_str(&l);
            }
            received.lock().unwrap().push(Received {
                from: from.clone(),
                to: to.clone(),
                data,
            });
            if current == Mode::CloseAfterMessage {
                return Ok(()); // the answer is lost
            }
            say(&mut out, "250 2.0.0 queued")?;
        } else if upper == "RSET" || upper == "NOOP" {
            say(&mut out, "250 OK")?;
        } else if upper == "QUIT" {
            say(&mut out, "221 bye")?;
            return Ok(());
        } else {
            say(&mut out, "502 command not implemented")?;
        }
    }
}

/// The decoded bytes of the first base64 attachment with this file name.
pub fn attachment(data: &str, filename: &str) -> Option<Vec<u8>> {
    let start = data.find(&format!("filename=\"{filename}\""))?;
    let rest = &data[start..];
    let body_start = rest
        .find("\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| rest.find("\n\n").map(|i| i + 2))?;
    let body = &rest[body_start..];
    let end = body.find("\n--").unwrap_or(body.len());
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    decode_base64(&b64)
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            acc |= val(*b)? << (18 - 6 * i);
        }
        let n = chunk.len();
        out.push((acc >> 16) as u8);
        if n > 2 {
            out.push((acc >> 8) as u8);
        }
        if n > 3 {
            out.push(acc as u8);
        }
    }
    Some(out)
}
