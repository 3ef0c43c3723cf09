//! Who does what: the roles a user can hold. A user can hold several.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    AccountManager,
    Csm,
    Manager,
    Billing,
    Sales,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::AccountManager,
        Role::Csm,
        Role::Manager,
        Role::Billing,
        Role::Sales,
        Role::Admin,
    ];

    /// The role's name as policies and the store write it ("account_manager").
    pub fn as_str(self) -> &'static str {
        match self {
            Role::AccountManager => "account_manager",
            Role::Csm => "csm",
            Role::Manager => "manager",
            Role::Billing => "billing",
            Role::Sales => "sales",
            Role::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// How the role reads in a sentence ("a manager").
    pub fn described(self) -> &'static str {
        match self {
            Role::AccountManager => "an account manager",
            Role::Csm => "a customer success manager",
            Role::Manager => "a manager",
            Role::Billing => "billing staff",
            Role::Sales => "a sales rep",
            Role::Admin => "an administrator",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn a_roles_name_is_its_serialised_name() {
        for role in Role::ALL {
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::Value::String(role.as_str().into())
            );
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
