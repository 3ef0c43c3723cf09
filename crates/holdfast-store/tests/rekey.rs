//! Issue 12: re-encrypting the desk's database under a new key (old passphrase profiles move to
//! the current Argon2id parameters). The data survives, the old key stops working, and a process
//! killed at any point of a rekey leaves a database that opens with the old key or the new one,
//! whole.

mod common;

#[path = "../../holdfast-server/tests/support/kill_harness.rs"]
mod kill_harness;

use common::{draft, now, Fixture};
use holdfast_store::{Database, DatabaseKey, StoreError};
use kill_harness::CHILD_VAR;

#[test]
fn a_rekeyed_database_opens_with_the_new_key_only_and_keeps_its_data() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme"), draft("B-2", "Beta")], now())
        .unwrap();
    let new_key = DatabaseKey::generate().unwrap();
    fixture.db.rekey(&new_key).unwrap();
    // The connection goes on working, in WAL mode again.
    assert_eq!(
        fixture
            .db
            .accounts(&Default::default())
            .unwrap()
            .items
            .len(),
        2
    );
    fixture
        .db
        .import_accounts(&[draft("C-3", "Gamma")], now())
        .unwrap();
    let path = fixture.path();
    drop(fixture.db);
    assert!(matches!(
        Database::open(&path, &fixture.key),
        Err(StoreError::WrongKey)
    ));
    assert!(matches!(
        Database::check_key(&path, &fixture.key),
        Err(StoreError::WrongKey)
    ));
    Database::check_key(&path, &new_key).unwrap();
    let db = Database::open(&path, &new_key).unwrap();
    assert_eq!(db.accounts(&Default::default()).unwrap().items.len(), 3);
}

/// The child: rekeys the database back and forth between two keys until it is killed, saying
/// which key it just committed to.
#[test]
fn rekey_kill_child() {
    let Ok(instructions) = std::env::var(CHILD_VAR) else {
        return;
    };
    let (path, keys) = parse(&instructions);
    let mut current = usize::from(Database::check_key(&path, &keys[0]).is_err());
    let mut db = Database::open(&path, &keys[current]).unwrap();
    loop {
        let next = 1 - current;
        db.rekey(&keys[next]).unwrap();
        current = next;
        kill_harness::acknowledge(&current.to_string());
    }
}

fn parse(instructions: &str) -> (std::path::PathBuf, [DatabaseKey; 2]) {
    let mut lines = instructions.lines();
    let path = lines.next().unwrap().into();
    let mut key = || DatabaseKey::from_hex(lines.next().unwrap()).unwrap();
    (path, [key(), key()])
}

#[test]
fn a_rekey_killed_at_any_point_leaves_a_database_that_opens_with_one_of_the_keys() {
    let mut fixture = Fixture::new();
    let drafts: Vec<_> = (0..200)
        .map(|n| draft(&format!("K-{n}"), &format!("Customer {n}")))
        .collect();
    fixture.db.import_accounts(&drafts, now()).unwrap();
    let path = fixture.path();
    drop(fixture.db);
    let other = DatabaseKey::generate().unwrap();
    let keys = [fixture.key.clone(), other];
    let instructions = format!(
        "{}\n{}\n{}",
        path.display(),
        keys[0].to_hex().as_str(),
        keys[1].to_hex().as_str()
    );
    let summary = kill_harness::run(
        20,
        &[
            "rekey_kill_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ],
        &instructions,
        |_acknowledged| {
            let opens: Vec<bool> = keys
                .iter()
                .map(|key| Database::check_key(&path, key).is_ok())
                .collect();
            // A kill inside a rekey leaves the key before it or, once its commit is on disk,
            // the key after it: one of the two, never a mixture.
            let Some(key) = opens.iter().position(|opens| *opens) else {
                return Err("the database opens with neither key".into());
            };
            if opens.iter().all(|opens| *opens) {
                return Err("the database opens with both keys".into());
            }
            let db = Database::open(&path, &keys[key]).map_err(|e| e.to_string())?;
            let count = db
                .accounts(&holdfast_store::accounts::AccountQuery {
                    limit: Some(500),
                    ..Default::default()
                })
                .map_err(|e| e.to_string())?
                .items
                .len();
            if count != drafts.len() {
                return Err(format!("{count} accounts instead of {}", drafts.len()));
            }
            Ok(1)
        },
    )
    .unwrap_or_else(|problem| panic!("{problem}"));
    assert_eq!(summary.kills, 20);
    assert!(summary.acknowledged > 0, "{summary:?}");
}
