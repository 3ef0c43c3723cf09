//! The profile's settings as the desk reads them on every command.

mod common;

use common::Fixture;

/// The policy is parsed once and kept, but a changed policy is never served from the old parse.
#[test]
fn the_policy_read_follows_every_change() {
    let fixture = Fixture::new();
    let db = &fixture.db;
    assert_eq!(db.policy().unwrap(), None);
    let wootrecruit = include_str!("../../../policies/wootrecruit.toml");
    let billsbee = include_str!("../../../policies/billsbee.toml");
    db.set_policy(wootrecruit).unwrap();
    assert_eq!(db.policy().unwrap().unwrap().version_tag(), "wootrecruit@1");
    assert_eq!(db.policy().unwrap().unwrap().version_tag(), "wootrecruit@1");
    db.set_policy(billsbee).unwrap();
    assert_eq!(db.policy().unwrap().unwrap().id, "billsbee");
    let republished = wootrecruit.replace("version = 1", "version = 2");
    db.set_policy(&republished).unwrap();
    assert_eq!(db.policy().unwrap().unwrap().version_tag(), "wootrecruit@2");
}
