//! The content-addressed file store under `<data dir>/evidence`: uploads stream into
//! `tmp/<uuid>.part` while SHA-256 is computed, then are renamed to `sha256/<2 hex>/<64 hex>`.
//! Same bytes, same name: a second upload of the same content is dropped, not stored twice.
//!
//! All functions here block; callers run them inside `web::block`.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Read, Seek, Write},
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

/// Read and write in pieces this large: big enough that the blocking-pool hop per piece is
/// cheap, small enough that memory stays flat whatever the file size.
pub const CHUNK: usize = 256 * 1024;

#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("evidence"),
        }
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.root
            .join("sha256")
            .join(sha256.get(..2).unwrap_or("00"))
            .join(sha256)
    }

    /// A new temporary file for an upload, deleted again unless `finish` keeps it.
    pub fn create_temp(&self) -> io::Result<TempBlob> {
        let dir = self.tmp_dir();
        fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path)?;
        Ok(TempBlob {
            path,
            file: Some(file),
            hasher: Sha256::new(),
            size: 0,
            kept: false,
        })
    }
}

/// An upload in progress. Dropping it (an error, a 413, a client that went away) deletes the
/// temporary file, so nothing half-written is ever left behind.
pub struct TempBlob {
    path: PathBuf,
    file: Option<File>,
    hasher: Sha256,
    size: u64,
    kept: bool,
}

/// Where an upload ended up.
#[derive(Clone, Debug)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// False when the same content was already in the store.
    pub newly_stored: bool,
}

impl TempBlob {
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("temporary file already closed"))?;
        file.write_all(data)?;
        self.hasher.update(data);
        self.size += data.len() as u64;
        Ok(())
    }

    /// Flushes the file to disk and moves it to its content address (or drops it if that
    /// content is already stored). The rename is atomic, so readers never see a partial blob.
    pub fn finish(mut self, store: &Store) -> io::Result<StoredBlob> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("temporary file already closed"))?;
        file.sync_all()?;
        drop(file);
        let sha256 = hex::encode(self.hasher.clone().finalize());
        let target = store.blob_path(&sha256);
        let parent = target.parent().expect("blob paths have a parent");
        fs::create_dir_all(parent)?;
        let newly_stored = !target.exists();
        if newly_stored {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&self.path, fs::Permissions::from_mode(0o400))?;
            }
            fs::rename(&self.path, &target)?;
            self.kept = true;
            // Make the rename itself durable, not only the file's bytes.
            if let Ok(dir) = File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(StoredBlob {
            sha256,
            size: self.size,
            newly_stored,
        })
    }
}

impl Drop for TempBlob {
    fn drop(&mut self) {
        self.file.take();
        if !self.kept {
            if let Err(e) = fs::remove_file(&self.path) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(path = %self.path.display(), error = %e, "cannot delete a temporary upload");
                }
            }
        }
    }
}

/// The outcome of re-hashing a stored file before it is served.
pub enum Check {
    /// The bytes still hash to the recorded value; the file is rewound, ready to stream.
    Intact(File),
    Mismatch,
    Missing,
}

/// Re-hashes the stored file in constant memory and compares it with the recorded hash.
pub fn verify(store: &Store, sha256: &str, size: u64) -> io::Result<Check> {
    let mut file = match File::open(store.blob_path(sha256)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Check::Missing),
        Err(e) => return Err(e),
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    if total != size || hex::encode(hasher.finalize()) != sha256 {
        return Ok(Check::Mismatch);
    }
    file.rewind()?;
    Ok(Check::Intact(file))
}

/// Reads the next piece of a file being streamed out.
pub fn read_chunk(mut file: File, remaining: u64) -> io::Result<(File, Vec<u8>)> {
    let want = remaining.min(CHUNK as u64) as usize;
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        let n = file.read(&mut buf[filled..])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "stored file shrank while being sent",
            ));
        }
        filled += n;
    }
    Ok((file, buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    out.extend(files_under(&path));
                } else {
                    out.push(path);
                }
            }
        }
        out
    }

    #[test]
    fn same_content_is_stored_once_and_dropped_uploads_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let mut a = store.create_temp().unwrap();
        a.write(b"hello ").unwrap();
        a.write(b"world").unwrap();
        let first = a.finish(&store).unwrap();
        // printf 'hello world' | sha256sum
        assert_eq!(
            first.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert!(first.newly_stored);
        let mut b = store.create_temp().unwrap();
        b.write(b"hello world").unwrap();
        assert!(!b.finish(&store).unwrap().newly_stored);
        let mut c = store.create_temp().unwrap();
        c.write(b"half an upload").unwrap();
        drop(c);
        assert_eq!(
            files_under(&store.root),
            vec![store.blob_path(&first.sha256)]
        );

        assert!(matches!(
            verify(&store, &first.sha256, 11).unwrap(),
            Check::Intact(_)
        ));
        assert!(matches!(
            verify(&store, &first.sha256, 12).unwrap(),
            Check::Mismatch
        ));
        assert!(matches!(
            verify(&store, &"0".repeat(64), 1).unwrap(),
            Check::Missing
        ));
    }
}
