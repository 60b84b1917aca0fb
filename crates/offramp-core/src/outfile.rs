//! Large output files written past the page cache.
//!
//! A world of a million transactions is about 2 GB of block files, tables and key. On the
//! machines Offramp runs on (laptops, classroom VMs) copying that into the page cache costs
//! more CPU than making it: 2.7 s of kernel time per GB on the 2-core VM this was measured on,
//! against 0.1 s for the same bytes written with `O_DIRECT`. [`OutFile`] gathers what is
//! written in an aligned buffer and hands whole aligned chunks to the file opened with
//! `O_DIRECT`; the tail (the last partial chunk) goes through the page cache as usual. Where
//! direct writes are not possible (another system, a file system that refuses them, or a write
//! the kernel turns down), it writes the ordinary way: same bytes, only slower.
//!
//! Files read again right away (the explorer's index, read by the next `inspect`) should stay
//! in the page cache: write those with a plain `BufWriter`.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// The alignment direct writes need: the largest logical block size in use.
const ALIGN: usize = 4096;
/// How much is gathered before each write.
const CHUNK: usize = 4 << 20;

/// A file being written, past the page cache where possible. [`OutFile::finish`] writes what
/// is left; dropping an unfinished file writes it too, ignoring errors, as `BufWriter` does.
pub struct OutFile {
    file: File,
    /// `CHUNK + ALIGN` bytes, of which `[start..start + CHUNK]` is aligned.
    buf: Vec<u8>,
    start: usize,
    len: usize,
    /// Bytes in the file so far.
    written: u64,
    direct: bool,
    finished: bool,
}

impl OutFile {
    /// Creates (or truncates) `path` for writing.
    ///
    /// # Errors
    /// As [`File::create`].
    pub fn create(path: &Path) -> io::Result<OutFile> {
        let (file, direct) = match open_direct(path) {
            Some(f) => (f, true),
            None => (File::create(path)?, false),
        };
        let buf = vec![0u8; CHUNK + ALIGN];
        let start = buf.as_ptr().align_offset(ALIGN).min(ALIGN);
        Ok(OutFile { file, buf, start, len: 0, written: 0, direct, finished: false })
    }

    /// Writes `buf[from..to]` at the end of the file: directly while that works, else, from
    /// wherever a refused direct write left the file, through the page cache.
    fn put(&mut self, mut from: usize, to: usize) -> io::Result<()> {
        if self.direct {
            match self.file.write_all(&self.buf[from..to]) {
                Ok(()) => {
                    self.written += (to - from) as u64;
                    return Ok(());
                }
                // A direct write the kernel turns down (alignment rules of an unusual file
                // system, or a short write that left the offset unaligned): nothing is lost,
                // the file's length says how much went in.
                Err(_) => {
                    let now = self.file.metadata()?.len();
                    from += (now - self.written) as usize;
                    self.written = now;
                    self.direct = false;
                    clear_direct(&self.file)?;
                }
            }
        }
        self.file.write_all(&self.buf[from..to])?;
        self.written += (to - from) as u64;
        Ok(())
    }

    /// Writes what is left, the aligned part directly and the tail through the page cache.
    ///
    /// # Errors
    /// The first I/O error.
    pub fn finish(mut self) -> io::Result<()> {
        self.finish_inner()
    }

    fn finish_inner(&mut self) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let (start, end) = (self.start, self.start + self.len);
        let aligned = start + self.len / ALIGN * ALIGN;
        self.len = 0;
        if self.direct {
            self.put(start, aligned)?;
            if self.direct {
                self.direct = false;
                clear_direct(&self.file)?;
            }
            self.put(aligned, end)
        } else {
            self.put(start, end)
        }
    }
}

impl Write for OutFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let room = CHUNK - self.len;
            let n = room.min(data.len());
            let at = self.start + self.len;
            self.buf[at..at + n].copy_from_slice(&data[..n]);
            self.len += n;
            data = &data[n..];
            if self.len == CHUNK {
                self.len = 0;
                self.put(self.start, self.start + CHUNK)?;
            }
        }
        Ok(())
    }

    /// Whole chunks only: a direct file cannot take a partial one until [`OutFile::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        let _ = self.finish_inner();
    }
}

#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    if std::env::var_os("OFFRAMP_NO_DIRECT_IO").is_some() {
        return None;
    }
    std::fs::OpenOptions::new().write(true).create(true).truncate(true).custom_flags(libc::O_DIRECT).open(path).ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &Path) -> Option<File> {
    None
}

#[cfg(target_os = "linux")]
fn clear_direct(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this File owns, reading and setting its status flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn clear_direct(_: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes around the chunk and the alignment, written in pieces of awkward lengths,
    /// read back byte for byte.
    #[test]
    fn every_byte_arrives_whatever_the_sizes_and_pieces() {
        let dir = std::env::temp_dir().join(format!("offramp-outfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for size in [0, 1, ALIGN - 1, ALIGN, ALIGN + 1, CHUNK - 1, CHUNK, CHUNK + 7, 2 * CHUNK + ALIGN + 3] {
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            let path = dir.join(format!("f{size}"));
            let mut f = OutFile::create(&path).unwrap();
            for piece in data.chunks(4093) {
                f.write_all(piece).unwrap();
            }
            f.finish().unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), data, "size {size}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A buffer one byte off its alignment makes the kernel refuse the first direct write
    /// (EINVAL): what was written still arrives whole, through the page cache.
    #[test]
    fn a_refused_direct_write_goes_on_the_ordinary_way_and_loses_nothing() {
        let dir = std::env::temp_dir().join(format!("offramp-outfile-refused-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        let data: Vec<u8> = (0..3 * CHUNK + 777).map(|i| (i * 13 % 256) as u8).collect();
        let mut f = OutFile::create(&path).unwrap();
        f.start += 1;
        for piece in data.chunks(100_003) {
            f.write_all(piece).unwrap();
        }
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_dropped_unfinished_still_holds_everything_written() {
        let dir = std::env::temp_dir().join(format!("offramp-outfile-drop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        let data: Vec<u8> = (0..CHUNK + 12345).map(|i| (i % 7) as u8).collect();
        {
            let mut f = OutFile::create(&path).unwrap();
            f.write_all(&data).unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), data);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
