//! `holdfast-server verify-export FILE`: checks a desk's audit export (issue 14) from the file
//! alone, with `holdfast_core::audit_export::verify_export` (the same check the desk runs): every
//! chain link from the genesis, each checkpoint's signature with the key the file carries and its
//! hash against the chain at its event, the header's count and head. `--expect-key` compares the
//! file's key with the one the reader trusts (the server's public checkpoint key, which
//! `GET /v1/me` answers as `checkpoint_key` and every desk pins at its first sign-in).

use std::io::BufReader;
use std::path::Path;

use holdfast_core::audit_export::{verify_export, ExportBroken, Verified};

use crate::error::{Result, ServerError};

/// The file's verdict; an `Err` only when the file cannot be opened.
pub fn check_file(
    path: &Path,
    expect_key: Option<&str>,
) -> Result<std::result::Result<Verified, ExportBroken>> {
    let file = std::fs::File::open(path).map_err(|source| ServerError::Io {
        context: format!("cannot open {}", path.display()),
        source,
    })?;
    let verdict = verify_export(BufReader::new(file));
    let Some(expected) = expect_key else {
        return Ok(verdict);
    };
    Ok(verdict.and_then(|verified| {
        let reason = match verified.checkpoint_key.as_deref() {
            Some(carried) if carried.eq_ignore_ascii_case(expected.trim()) => return Ok(verified),
            Some(_) => {
                "the file's checkpoint key is not the key you expect: its checkpoints \
                        were not signed by that server"
            }
            None => {
                "the file carries no checkpoint key (a local profile's log): no server \
                     vouches for it"
            }
        };
        Err(ExportBroken {
            line: 1,
            reason: reason.into(),
        })
    }))
}

/// What the command prints for a verdict.
pub fn describe(verdict: &std::result::Result<Verified, ExportBroken>) -> String {
    match verdict {
        Ok(verified) => {
            let mut text = format!(
                "verified: {} events, {} checkpoints",
                verified.events, verified.checkpoints
            );
            match &verified.checkpoint_key {
                Some(key) => text.push_str(&format!(
                    "\ncheckpoints signed by the server key {key}: compare it with the key you \
                     trust (--expect-key)"
                )),
                None => text.push_str(
                    "\nno server signed this log (a local profile): the chain holds, but only \
                     a server's checkpoints show it was not rewritten whole",
                ),
            }
            text
        }
        Err(broken) => format!("BROKEN at line {}: {}", broken.line, broken.reason),
    }
}
