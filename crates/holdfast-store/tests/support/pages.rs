//! Reads an encrypted profile's bytes as SQLCipher decrypts them: every page of the database file
//! and every frame of its WAL, free pages and unused space included, so a test can say a text is
//! nowhere in the file, not merely absent from the rows a query returns.
//!
//! SQLCipher 4's defaults: 4096-byte pages, each ending in 80 reserved bytes (a 16-byte IV, then a
//! 64-byte HMAC); page 1 starts with the database's 16-byte salt; the rest of a page is
//! AES-256-CBC under the raw key when the key is given as `x'…'` (as Holdfast gives it).
#![allow(dead_code)]

use std::path::Path;

use aes::cipher::{BlockDecryptMut, KeyIvInit};

const PAGE: usize = 4096;
const RESERVE: usize = 80;
const SALT: usize = 16;
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

type Decryptor = cbc::Decryptor<aes::Aes256>;

fn decrypt_page(key: &[u8; 32], page: &[u8], first: bool) -> Vec<u8> {
    let start = if first { SALT } else { 0 };
    let iv_at = PAGE - RESERVE;
    let mut data = page[start..iv_at].to_vec();
    let iv = &page[iv_at..iv_at + 16];
    let decryptor = Decryptor::new(key.into(), iv.into());
    decryptor
        .decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut data)
        .expect("a whole number of AES blocks");
    data
}

/// The decrypted contents of every page of the database at `path` and of its WAL (when it has
/// one), concatenated.
pub fn decrypted(path: &Path, key_hex: &str) -> Vec<u8> {
    let key: [u8; 32] = hex_bytes(key_hex).try_into().expect("a 32-byte key");
    let mut out = Vec::new();
    let file = std::fs::read(path).expect("the database file");
    assert_eq!(file.len() % PAGE, 0, "SQLCipher's 4096-byte pages");
    for (index, page) in file.chunks(PAGE).enumerate() {
        out.extend(decrypt_page(&key, page, index == 0));
    }
    let wal_path = path.with_file_name(format!(
        "{}-wal",
        path.file_name().unwrap().to_string_lossy()
    ));
    if let Ok(wal) = std::fs::read(&wal_path) {
        if wal.len() > WAL_HEADER {
            for frame in wal[WAL_HEADER..].chunks(FRAME_HEADER + PAGE) {
                if frame.len() < FRAME_HEADER + PAGE {
                    break;
                }
                let number = u32::from_be_bytes(frame[0..4].try_into().unwrap());
                out.extend(decrypt_page(&key, &frame[FRAME_HEADER..], number == 1));
            }
        }
    }
    out
}

/// The size of the database's WAL file (0 when it has none).
pub fn wal_len(path: &Path) -> u64 {
    let wal_path = path.with_file_name(format!(
        "{}-wal",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::metadata(wal_path).map_or(0, |meta| meta.len())
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}
