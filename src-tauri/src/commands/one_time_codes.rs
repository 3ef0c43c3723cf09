//! One-time codes for identity verification: the shell draws the code from the OS's random
//! source and returns it once, for the person to send to the contact on file. The store seals it
//! with the profile's key before deciding (a team's server seals and checks it with its own), so
//! the log keeps only a keyed digest; in a team the typed code waits in the encrypted outbox until
//! the server has it.

use holdfast_core::workflow::{CaseCommand, OneTimeCode};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;
use uuid::Uuid;

use crate::commands::cases::{run_as_acting_user, CaseDetail};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Deserialize, TS)]
pub struct SendCodeArgs {
    pub case_id: Uuid,
    /// The e-mail or phone on file the code goes to; the engine checks it is on file.
    pub contact: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CodeToSend {
    /// Six digits, shown once.
    pub code: String,
    pub detail: CaseDetail,
}

#[derive(Debug, Deserialize, TS)]
pub struct EnterCodeArgs {
    pub case_id: Uuid,
    /// The code as the requester read it back.
    pub code: String,
}

/// Six decimal digits, uniformly drawn (rejection sampling, so no digit is likelier).
fn draw_code() -> Result<String, AppError> {
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes)
            .map_err(|error| AppError::internal(format!("no random source: {error}")))?;
        let value = u32::from_le_bytes(bytes);
        // The largest multiple of 10^6 that fits in a u32.
        if value < 4_294_000_000 {
            return Ok(format!("{:06}", value % 1_000_000));
        }
    }
}

#[tauri::command]
pub async fn send_one_time_code(
    state: State<'_, AppState>,
    crate::commands::Args(args): crate::commands::Args<SendCodeArgs>,
) -> Result<CodeToSend, AppError> {
    let code = draw_code()?;
    let command = CaseCommand::SendOneTimeCode {
        code: OneTimeCode::typed(code.clone()),
        contact: args.contact,
    };
    let case_id = args.case_id;
    let detail = state
        .with_database(move |database| run_as_acting_user(database, case_id, &command))
        .await?;
    Ok(CodeToSend { code, detail })
}

#[tauri::command]
pub async fn enter_one_time_code(
    state: State<'_, AppState>,
    crate::commands::Args(args): crate::commands::Args<EnterCodeArgs>,
) -> Result<CaseDetail, AppError> {
    if args.code.trim().is_empty() {
        return Err(AppError::validation(
            "code",
            "type the code the requester read back",
        ));
    }
    let command = CaseCommand::EnterOneTimeCode {
        code: OneTimeCode::typed(args.code),
    };
    let case_id = args.case_id;
    state
        .with_database(move |database| run_as_acting_user(database, case_id, &command))
        .await
}

#[cfg(test)]
mod tests {
    use super::draw_code;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..20).map(|_| draw_code().unwrap()).collect();
        assert!(codes
            .iter()
            .all(|code| code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())));
        let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
        assert!(distinct.len() > 1, "twenty draws are not all the same code");
    }
}
