//! The database on disk is unreadable without its key, and customer data never appears in clear.

mod common;

use common::{draft, now, Fixture};
use holdfast_store::{Database, DatabaseKey, StoreError};

#[test]
fn the_file_cannot_be_opened_without_the_key() {
    let mut fixture = Fixture::new();
    fixture
        .db
        .import_accounts(&[draft("A-1", "Acme")], now())
        .unwrap();
    let path = fixture.path();
    drop(fixture.db);

    // Plain SQLite, no key: the file is not a database to it.
    let plain = rusqlite::Connection::open(&path).unwrap();
    let read = plain.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    });
    assert!(read.is_err(), "an unkeyed connection read the schema");

    // Another key is refused with a clear error.
    let other = DatabaseKey::generate().unwrap();
    assert!(matches!(
        Database::open(&path, &other),
        Err(StoreError::WrongKey)
    ));

    // The right key still opens it, and the data is there.
    let db = Database::open(&path, &fixture.key).unwrap();
    assert_eq!(db.accounts(&Default::default()).unwrap().items.len(), 1);
}

#[test]
fn a_customer_s_name_never_appears_in_the_files_bytes() {
    let mut fixture = Fixture::new();
    let name = "Zephyrine Quillfeather Holdings";
    fixture
        .db
        .import_accounts(&[draft("Z-42", name)], now())
        .unwrap();
    let dir = fixture.dir.path().to_path_buf();
    // Read while the connection is open too, so the write-ahead log is checked before a checkpoint.
    let mut checked = 0;
    let mut check_all = |stage: &str| {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            checked += bytes.len();
            for needle in [
                name.as_bytes(),
                b"Quillfeather",
                b"SQLite format 3",
                b"z-42@example.com",
            ] {
                assert!(
                    !bytes.windows(needle.len()).any(|window| window == needle),
                    "{} contains {:?} {stage}",
                    path.display(),
                    String::from_utf8_lossy(needle)
                );
            }
        }
    };
    check_all("while open");
    drop(fixture.db);
    check_all("after closing");
    assert!(checked > 4096, "nothing was written to disk");
}
