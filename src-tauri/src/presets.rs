//! The policy presets shipped with the app, one per procedure in `policies/`. A profile starts
//! from one of them; an admin publishes others through the sync server.

pub const PRESETS: &[(&str, &str)] = &[
    (
        "wootrecruit",
        include_str!("../../policies/wootrecruit.toml"),
    ),
    (
        "account-cancellation-2017",
        include_str!("../../policies/account-cancellation-2017.toml"),
    ),
    ("billsbee", include_str!("../../policies/billsbee.toml")),
    (
        "kodif-order-cancellation",
        include_str!("../../policies/kodif-order-cancellation.toml"),
    ),
    (
        "intelliserve",
        include_str!("../../policies/intelliserve.toml"),
    ),
];

pub fn preset(id: &str) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(preset_id, _)| *preset_id == id)
        .map(|(_, source)| *source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_under_its_own_id() {
        for (id, source) in PRESETS {
            let policy = holdfast_core::policy::parse_policy(source).unwrap();
            assert_eq!(&policy.id, id);
        }
    }
}
