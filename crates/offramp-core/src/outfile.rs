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
//! A direct write waits for the device, not the processor: [`OutFile`] hands each full chunk
//! to a thread of its own, which writes it while the next chunk fills, so that the formatting
//! of a table and its writing overlap (on the VM this was measured on, 0.15 s less wait for
//! each 400 MB table of a 1M-transaction world).
//!
//! Files read again right away (the explorer's index, read by the next `inspect`) should stay
//! in the page cache: write those with a plain `BufWriter`.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// The alignment direct writes need: the largest logical block size in use.
const ALIGN: usize = 4096;
/// How much is gathered before each write.
const CHUNK: usize = 4 << 20;

/// A buffer of `CHUNK + ALIGN` bytes, of which `[start..start + CHUNK]` is aligned.
struct Chunk {
    mem: Vec<u8>,
    start: usize,
}

impl Chunk {
    fn new() -> Chunk {
        let mem = vec![0u8; CHUNK + ALIGN];
        let start = mem.as_ptr().align_offset(ALIGN).min(ALIGN);
        Chunk { mem, start }
    }

    fn bytes(&self, len: usize) -> &[u8] {
        &self.mem[self.start..self.start + len]
    }
}

/// The file, and how it is being written.
struct Sink {
    file: File,
    /// Bytes in the file so far.
    written: u64,
    direct: bool,
}

impl Sink {
    /// Writes `data` at the end of the file: directly while that works, else, from wherever
    /// a refused direct write left the file, through the page cache.
    fn put(&mut self, mut data: &[u8]) -> io::Result<()> {
        if self.direct {
            match self.file.write_all(data) {
                Ok(()) => {
                    self.written += data.len() as u64;
                    return Ok(());
                }
                // A direct write the kernel turns down (alignment rules of an unusual file
                // system, or a short write that left the offset unaligned): nothing is lost,
                // the file's length says how much went in.
                Err(_) => {
                    let now = self.file.metadata()?.len();
                    data = &data[(now - self.written) as usize..];
                    self.written = now;
                    self.direct = false;
                    clear_direct(&self.file)?;
                }
            }
        }
        self.file.write_all(data)?;
        self.written += data.len() as u64;
        Ok(())
    }

    /// Writes the last, partial chunk: its aligned part directly, the tail through the page
    /// cache.
    fn put_last(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.direct {
            return self.put(data);
        }
        let aligned = data.len() / ALIGN * ALIGN;
        self.put(&data[..aligned])?;
        if self.direct {
            self.direct = false;
            clear_direct(&self.file)?;
        }
        self.put(&data[aligned..])
    }
}

/// The thread that writes full chunks and gives each back, with how its write went.
struct Writer {
    to: SyncSender<Chunk>,
    back: Receiver<(Chunk, io::Result<()>)>,
    thread: JoinHandle<Option<Sink>>,
    /// Chunks handed over and not yet given back.
    out: usize,
}

impl Writer {
    /// Starts the thread; gives the sink back if it cannot start.
    fn start(sink: Sink) -> Result<Writer, Sink> {
        let (to, from) = sync_channel::<Chunk>(1);
        let (give, back) = sync_channel::<(Chunk, io::Result<()>)>(2);
        // The sink goes over once the thread runs, so that it stays here if it cannot.
        let (hand, take) = sync_channel::<Sink>(1);
        let spawned = std::thread::Builder::new().name("offramp-outfile".into()).spawn(move || {
            let mut sink = take.recv().ok()?;
            let mut failed = false;
            for chunk in from {
                // After a failure nothing more is written; each chunk still comes back.
                let r = if failed { Ok(()) } else { sink.put(chunk.bytes(CHUNK)) };
                failed |= r.is_err();
                if give.send((chunk, r)).is_err() {
                    break;
                }
            }
            Some(sink)
        });
        match spawned {
            Ok(thread) => {
                hand.send(sink).expect("the thread waits for the sink");
                Ok(Writer { to, back, thread, out: 0 })
            }
            Err(_) => Err(sink),
        }
    }
}

/// A file being written, past the page cache where possible. [`OutFile::finish`] writes what
/// is left; dropping an unfinished file writes it too, ignoring errors, as `BufWriter` does.
pub struct OutFile {
    /// The chunk being filled, and how much of it is.
    chunk: Chunk,
    len: usize,
    writer: Option<Writer>,
    /// The file, while no writer thread holds it.
    sink: Option<Sink>,
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
        let (writer, sink) = match Writer::start(Sink { file, written: 0, direct }) {
            Ok(w) => (Some(w), None),
            Err(sink) => (None, Some(sink)),
        };
        Ok(OutFile { chunk: Chunk::new(), len: 0, writer, sink, finished: false })
    }

    /// Hands the full chunk to the writer and takes another to fill (waiting for one to come
    /// back once two are out); without a writer, writes it here.
    fn hand_over(&mut self) -> io::Result<()> {
        self.len = 0;
        let Some(w) = &mut self.writer else {
            let sink = self.sink.as_mut().expect("the file is here without a writer");
            return sink.put(self.chunk.bytes(CHUNK));
        };
        // The second chunk is made once; after that the two take turns.
        let next = match w.out {
            0 => Chunk::new(),
            _ => {
                let (c, r) = w.back.recv().map_err(|_| io::Error::other("the writer thread stopped"))?;
                w.out -= 1;
                r?;
                c
            }
        };
        let full = std::mem::replace(&mut self.chunk, next);
        w.to.send(full).map_err(|_| io::Error::other("the writer thread stopped"))?;
        w.out += 1;
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
        let mut first_error = Ok(());
        if let Some(w) = self.writer.take() {
            drop(w.to);
            for _ in 0..w.out {
                match w.back.recv() {
                    Ok((_, r)) => {
                        if first_error.is_ok() {
                            first_error = r;
                        }
                    }
                    Err(_) => break,
                }
            }
            match w.thread.join() {
                Ok(Some(sink)) => self.sink = Some(sink),
                _ => return Err(io::Error::other("the writer thread failed")),
            }
        }
        first_error?;
        let len = std::mem::take(&mut self.len);
        let sink = self.sink.as_mut().expect("the file is back");
        sink.put_last(self.chunk.bytes(len))
    }
}

impl Write for OutFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let n = (CHUNK - self.len).min(data.len());
            let at = self.chunk.start + self.len;
            self.chunk.mem[at..at + n].copy_from_slice(&data[..n]);
            self.len += n;
            data = &data[n..];
            if self.len == CHUNK {
                self.hand_over()?;
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
        // The first chunk's write is refused; the file is written the ordinary way from then on.
        f.chunk.start += 1;
        for piece in data.chunks(100_003) {
            f.write_all(piece).unwrap();
        }
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A device that takes nothing (a full disk): the failure reaches the writer, in a
    /// `write_all` once a chunk comes back or in `finish`, never lost on the writer's thread.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_an_error_not_a_silent_loss() {
        let data = vec![7u8; 3 * CHUNK + 5];
        let mut f = OutFile::create(Path::new("/dev/full")).unwrap();
        let written = data.chunks(65_536).try_for_each(|piece| f.write_all(piece));
        let finished = f.finish();
        let e = written.and(finished).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "{e}");
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
