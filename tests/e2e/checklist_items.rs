//! The policy's finalization checklist as a person works it: each item confirmed by name with a
//! note. The note box is named by its aria-label ("Note: <item>"), not by a label element.

use crate::harness::{text_of, App, Failure, Outcome};

/// Confirms the items named by `labels`, each with `note`, and waits until the checklist shows
/// each done by `who`, with the note.
pub async fn confirm_items(app: &App, labels: &[&str], note: &str, who: &str) -> Outcome {
    for label in labels {
        app.named(&format!("Note: {label}"))
            .await?
            .send_keys(note)
            .await?;
        app.click(&format!("Confirm: {label}")).await?;
        done_by(app, label, who, note).await?;
    }
    Ok(())
}

/// Waits until the finalization checklist shows `label` done by `who` with `note`.
pub async fn done_by(app: &App, label: &str, who: &str, note: &str) -> Result<String, Failure> {
    let started = std::time::Instant::now();
    loop {
        let line = text_of(&app.list_item("Finalization checklist", label).await?).await?;
        if line.contains(&format!("Done by {who}")) && line.contains(note) {
            return Ok(line);
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            return Err(format!("{label} is not shown done by {who} with {note:?}: {line}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
