//! The sync bench's reference figure: the event rows a run made the server write, written again
//! into the same database's `events` table as fast as plain SQL allows, in ONE transaction —
//! SQLite: multi-row `INSERT … VALUES (…), (…)` statements of `SQLITE_ROWS_PER_INSERT` rows;
//! PostgreSQL: `COPY … FROM STDIN (FORMAT binary)`. They go to a second organisation (the
//! counter and the chain belong to one organisation) with fresh event ids (ids are unique); every
//! other column is the row as the server wrote it. The rows are read and built before the clock
//! starts.

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rusqlite::types::Value;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use tokio_postgres::NoTls;
use uuid::Uuid;

pub type BoxError = Box<dyn Error + Send + Sync>;

/// Rows per multi-row INSERT on SQLite: 14 columns × 500 rows stays under SQLite's limit of
/// 32766 bound parameters.
const SQLITE_ROWS_PER_INSERT: usize = 500;

/// The columns written, in this order.
const COLUMNS: &str = "organisation_id, seq, id, aggregate_type, aggregate_id, aggregate_version, \
     kind, actor, policy_version, recorded_at, payload, origin_client, origin_seq, chain_hash";

/// The columns read back from the run's rows (everything but the organisation and the id).
const READ: &str = "SELECT seq, aggregate_type, aggregate_id, aggregate_version, kind, actor, \
     policy_version, recorded_at, payload, origin_client, origin_seq, chain_hash FROM events";

/// Where the server's database is.
pub enum Target {
    /// The SQLite database file the server has open.
    Sqlite(PathBuf),
    /// A URL of the PostgreSQL database the server uses.
    Postgres(String),
}

/// What the raw insert did.
pub struct RawInsert {
    pub rows: usize,
    pub elapsed: Duration,
    /// How the rows were written, for the output.
    pub how: &'static str,
}

/// Writes the events of `from` after `after_seq` again under `into` (an existing, empty
/// organisation), timing only the writing transaction.
pub async fn insert_again(
    target: &Target,
    from: Uuid,
    into: Uuid,
    after_seq: u64,
) -> Result<RawInsert, BoxError> {
    let after = i64::try_from(after_seq)?;
    match target {
        Target::Sqlite(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || sqlite(&path, from, into, after)).await?
        }
        Target::Postgres(url) => postgres(url, from, into, after).await,
    }
}

fn sqlite(
    path: &std::path::Path,
    from: Uuid,
    into: Uuid,
    after: i64,
) -> Result<RawInsert, BoxError> {
    let mut conn = rusqlite::Connection::open(path)?;
    // As the server's own connection has it (store::sqlite::SqliteStore::open).
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(Duration::from_secs(10))?;

    let into_text = into.to_string();
    let rows: Vec<Vec<Value>> = {
        let mut statement = conn.prepare(&format!(
            "{READ} WHERE organisation_id = ?1 AND seq > ?2 ORDER BY seq"
        ))?;
        let rows = statement
            .query_map(rusqlite::params![from.to_string(), after], |row| {
                let mut values = Vec::with_capacity(14);
                values.push(Value::Text(into_text.clone()));
                values.push(row.get::<_, Value>(0)?);
                values.push(Value::Text(Uuid::now_v7().to_string()));
                for column in 1..12 {
                    values.push(row.get::<_, Value>(column)?);
                }
                Ok(values)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let chunks: Vec<Vec<Value>> = rows
        .chunks(SQLITE_ROWS_PER_INSERT)
        .map(|chunk| chunk.iter().flatten().cloned().collect())
        .collect();
    let insert = |rows: usize| {
        let one = format!("({})", vec!["?"; 14].join(", "));
        format!(
            "INSERT INTO events ({COLUMNS}) VALUES {}",
            vec![one.as_str(); rows].join(", ")
        )
    };
    let full = insert(SQLITE_ROWS_PER_INSERT);

    let started = Instant::now();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for chunk in &chunks {
        let count = chunk.len() / 14;
        let sql = if count == SQLITE_ROWS_PER_INSERT {
            full.clone()
        } else {
            insert(count)
        };
        tx.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(chunk.iter()))?;
    }
    tx.commit()?;
    Ok(RawInsert {
        rows: rows.len(),
        elapsed: started.elapsed(),
        how: "multi-row INSERT, 500 rows a statement, one transaction",
    })
}

/// One event row as PostgreSQL holds it.
struct PgRow {
    seq: i64,
    id: Uuid,
    aggregate_type: String,
    aggregate_id: Uuid,
    aggregate_version: i64,
    kind: String,
    actor: String,
    policy_version: String,
    recorded_at: String,
    payload: String,
    origin_client: Option<Uuid>,
    origin_seq: Option<i64>,
    chain_hash: Vec<u8>,
}

async fn postgres(url: &str, from: Uuid, into: Uuid, after: i64) -> Result<RawInsert, BoxError> {
    let (mut client, connection) = tokio_postgres::connect(url, NoTls).await?;
    let connection = tokio::spawn(connection);
    let rows: Vec<PgRow> = client
        .query(
            &format!("{READ} WHERE organisation_id = $1 AND seq > $2 ORDER BY seq"),
            &[&from, &after],
        )
        .await?
        .iter()
        .map(|row| PgRow {
            seq: row.get(0),
            id: Uuid::now_v7(),
            aggregate_type: row.get(1),
            aggregate_id: row.get(2),
            aggregate_version: row.get(3),
            kind: row.get(4),
            actor: row.get(5),
            policy_version: row.get(6),
            recorded_at: row.get(7),
            payload: row.get(8),
            origin_client: row.get(9),
            origin_seq: row.get(10),
            chain_hash: row.get(11),
        })
        .collect();

    let started = Instant::now();
    let tx = client.transaction().await?;
    let sink = tx
        .copy_in(&format!(
            "COPY events ({COLUMNS}) FROM STDIN (FORMAT binary)"
        ))
        .await?;
    let types = [
        Type::UUID,
        Type::INT8,
        Type::UUID,
        Type::TEXT,
        Type::UUID,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::UUID,
        Type::INT8,
        Type::BYTEA,
    ];
    let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
    for row in &rows {
        writer
            .as_mut()
            .write(&[
                &into,
                &row.seq,
                &row.id,
                &row.aggregate_type,
                &row.aggregate_id,
                &row.aggregate_version,
                &row.kind,
                &row.actor,
                &row.policy_version,
                &row.recorded_at,
                &row.payload,
                &row.origin_client,
                &row.origin_seq,
                &row.chain_hash,
            ])
            .await?;
    }
    let written = writer.as_mut().finish().await?;
    tx.commit().await?;
    let elapsed = started.elapsed();
    drop(client);
    let _ = connection.await;
    if written != rows.len() as u64 {
        return Err(format!("COPY wrote {written} rows of {}", rows.len()).into());
    }
    Ok(RawInsert {
        rows: rows.len(),
        elapsed,
        how: "COPY FROM STDIN (binary), one transaction",
    })
}
