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
