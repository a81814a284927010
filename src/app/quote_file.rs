//! Reading a quote file with limits: only a regular file, only up to a size, looked at
//! before a byte of it is read.
//!
//! Every quote file Purser imports — named on the command line, picked in the screens or
//! found in the inbox — is read here. A named pipe would block the reader until someone
//! writes to it and `/dev/zero` never ends, so neither is opened for reading; a file larger
//! than `[import] max_file_mb` is refused on its size, before it takes any memory.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;
use thiserror::Error;

/// Why a quote file was not read.
#[derive(Debug, Error)]
pub enum QuoteFileError {
    /// A folder, a named pipe, a device or a socket.
    #[error("{what} is not a quote file; only regular files are read")]
    NotAFile { what: &'static str },
    /// Larger than the limit: `size` is the size seen (at least that much).
    #[error("{} bytes is more than the {} MB a quote file may have ([import] max_file_mb)", group(*size), limit / 1_000_000)]
    TooLarge { size: u64, limit: u64 },
    /// The bytes are not UTF-8; `valid_up_to` bytes are.
    #[error("not UTF-8 text (byte {valid_up_to})")]
    NotUtf8 { valid_up_to: usize },
    /// The file could not be read at all (missing, no permission, a disk error).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Reads the quote file at `path` as text, refusing anything but a regular file of at
/// most `max_bytes` bytes before reading it.
pub fn read_quote_file(path: &Path, max_bytes: u64) -> Result<String, QuoteFileError> {
    check(&std::fs::metadata(path)?, max_bytes)?;
    let mut file = open_without_waiting(path)?;
    // What was opened is looked at again: the name may point elsewhere by now.
    let meta = file.metadata()?;
    check(&meta, max_bytes)?;
    // A file that grows while it is read is still read only up to the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    (&mut file).take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(QuoteFileError::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    String::from_utf8(bytes).map_err(|e| QuoteFileError::NotUtf8 {
        valid_up_to: e.utf8_error().valid_up_to(),
    })
}

fn check(meta: &Metadata, max_bytes: u64) -> Result<(), QuoteFileError> {
    if !meta.is_file() {
        return Err(QuoteFileError::NotAFile {
            what: describe(meta.file_type()),
        });
    }
    if meta.len() > max_bytes {
        return Err(QuoteFileError::TooLarge {
            size: meta.len(),
            limit: max_bytes,
        });
    }
    Ok(())
}

/// Opens for reading without waiting: a named pipe swapped in after the first look is
/// opened at once (and then refused) instead of waiting for a writer.
fn open_without_waiting(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn describe(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else {
        "this kind of file"
    }
}

/// `20000001` → `20,000,001`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1_000_000;

    #[test]
    fn a_regular_file_up_to_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.json");
        std::fs::write(&path, "{\"quote_id\": \"Q-1\"}").unwrap();
        assert_eq!(read_quote_file(&path, 19).unwrap(), "{\"quote_id\": \"Q-1\"}");
        // Through a symbolic link too: it is the file it points at that counts.
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert_eq!(read_quote_file(&link, 19).unwrap().len(), 19);
        }
    }

    #[test]
    fn a_file_above_the_limit_is_refused_on_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        // Sparse: 20 MB and one byte on paper, nothing on disk, never read.
        std::fs::File::create(&path).unwrap().set_len(20 * MB + 1).unwrap();
        let e = read_quote_file(&path, 20 * MB).unwrap_err();
        assert!(
            matches!(e, QuoteFileError::TooLarge { size, .. } if size == 20 * MB + 1),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "20,000,001 bytes is more than the 20 MB a quote file may have ([import] max_file_mb)"
        );
        std::fs::write(&path, "{}").unwrap();
        assert_eq!(read_quote_file(&path, 2).unwrap(), "{}");
        assert!(matches!(
            read_quote_file(&path, 1),
            Err(QuoteFileError::TooLarge { size: 2, limit: 1 })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("q.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Were it opened to be read, this would wait for a writer for ever.
        let e = read_quote_file(&fifo, 20 * MB).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a named pipe (FIFO) is not a quote file; only regular files are read"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_device_that_never_ends_and_a_folder_are_refused() {
        let e = read_quote_file(Path::new("/dev/zero"), 20 * MB).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a device is not a quote file; only regular files are read"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = read_quote_file(dir.path(), 20 * MB).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a folder is not a quote file; only regular files are read"
        );
    }

    #[test]
    fn a_missing_file_is_an_io_error_and_bytes_that_are_not_utf8_are_named() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_quote_file(&dir.path().join("none.json"), MB),
            Err(QuoteFileError::Io(_))
        ));
        let path = dir.path().join("latin1.csv");
        std::fs::write(&path, b"caf\xe9").unwrap();
        let e = read_quote_file(&path, MB).unwrap_err();
        assert_eq!(e.to_string(), "not UTF-8 text (byte 3)");
    }
}
