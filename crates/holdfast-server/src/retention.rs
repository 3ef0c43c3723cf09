//! The policy's retention period on the server (issue 14): every organisation whose published
//! policy sets `[privacy] erase_closed_cases_after_months` has the personal data of closed cases
//! older than that erased, by the server itself, at start and then every hour. The erasure is an
//! event in the organisation's log (so every desk erases its copy when it pulls it) and is carried
//! out on the server's own database in the same transaction. What is due is the core's rule
//! (`holdfast_core::erasure::retention_due`) over the cases folded from the log.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use holdfast_core::erasure::{retention_due, Erasure, RetainedCase, PERSONAL_DATA_ERASED};
use holdfast_core::policy::parse_policy;
use holdfast_core::record::{ACCOUNT, CASE};
use holdfast_core::workflow::CaseEvent;
use jiff::Timestamp;
use uuid::Uuid;

use crate::error::{Result, ServerError};
use crate::store::ServerStore;

/// How often the server looks again: erasure is due by the day.
const EVERY: Duration = Duration::from_secs(60 * 60);
/// Events read per page of the log.
const PAGE: usize = 5_000;

/// Applies the retention period to every organisation now and then every hour, for as long as the
/// server runs. A failure is logged and tried again at the next hour.
pub fn spawn(store: Arc<dyn ServerStore>) {
    tokio::spawn(async move {
        loop {
            match apply_everywhere(store.as_ref(), Timestamp::now()).await {
                Ok(0) => {}
                Ok(erased) => tracing::info!(erased, "retention period: personal data erased"),
                Err(error) => tracing::warn!(%error, "retention period not applied"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// The retention period applied to every organisation; how many erasures were recorded.
pub async fn apply_everywhere(store: &dyn ServerStore, now: Timestamp) -> Result<usize> {
    let mut recorded = 0;
    for organisation_id in store.organisation_ids().await? {
        recorded += apply(store, organisation_id, now).await?.len();
    }
    Ok(recorded)
}

/// The retention period applied to one organisation at `now`: the erasures recorded.
pub async fn apply(
    store: &dyn ServerStore,
    organisation_id: Uuid,
    now: Timestamp,
) -> Result<Vec<Erasure>> {
    let Some(published) = store.current_policy(organisation_id).await? else {
        return Ok(Vec::new());
    };
    let policy = parse_policy(&published.source)?;
    if policy.privacy.erase_closed_cases_after_months.is_none() {
        return Ok(Vec::new());
    }
    let due = retention_due(&policy, &cases_of(store, organisation_id).await?, now)
        .map_err(|error| ServerError::Corrupt(format!("the retention period: {error}")))?;
    let mut recorded = Vec::with_capacity(due.len());
    for erasure in due {
        if store
            .record_retention_erasure(organisation_id, &erasure, now)
            .await?
        {
            recorded.push(erasure);
        }
    }
    Ok(recorded)
}

/// Every case of the organisation as the retention rule sees it, folded from its log.
async fn cases_of(store: &dyn ServerStore, organisation_id: Uuid) -> Result<Vec<RetainedCase>> {
    let mut histories: BTreeMap<Uuid, (Vec<CaseEvent>, Timestamp)> = BTreeMap::new();
    let mut erased: BTreeSet<Uuid> = BTreeSet::new();
    let mut cursor = 0;
    loop {
        let page = store.events_after(organisation_id, cursor, PAGE).await?;
        for event in &page.events {
            cursor = event.seq;
            let record = &event.record;
            match record.aggregate_type.as_str() {
                CASE => {
                    let case_event = record.case_event().map_err(|error| {
                        ServerError::Corrupt(format!("event {}: {error}", event.seq))
                    })?;
                    let entry = histories
                        .entry(record.aggregate_id)
                        .or_insert_with(|| (Vec::new(), record.recorded_at));
                    entry.0.push(case_event);
                    entry.1 = record.recorded_at;
                }
                ACCOUNT if record.kind == PERSONAL_DATA_ERASED => {
                    let erasure = Erasure::of(record).map_err(|error| {
                        ServerError::Corrupt(format!("event {}: {error}", event.seq))
                    })?;
                    erased.extend(erasure.cases);
                }
                _ => {}
            }
        }
        if !page.more {
            break;
        }
    }
    Ok(histories
        .into_iter()
        .filter_map(|(case_id, (history, last))| {
            let state = crate::push::fold(&history)?;
            Some(RetainedCase {
                case_id,
                account_id: state.account_id,
                closed_at: state.status.is_closed().then_some(last),
                erased: erased.contains(&case_id),
            })
        })
        .collect())
}
