//! The test driver shared by the engine's scenario tests: a case run command by command.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use holdfast_core::case::RequestChannel;
use holdfast_core::policy::{Policy, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    decide, evolve, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState,
};
use holdfast_core::CoreError;
use jiff::Timestamp;
use uuid::Uuid;

pub fn now() -> Timestamp {
    // Tuesday 2026-11-24 10:00 in New York.
    "2026-11-24T15:00:00Z".parse().unwrap()
}

pub fn actor(roles: &[Role]) -> Actor {
    Actor {
        user_id: format!("{roles:?}"),
        roles: roles.to_vec(),
        active: true,
    }
}

/// A case and everything that happened to it, driven command by command.
pub struct Case {
    pub policy: Policy,
    pub account: AccountFacts,
    pub state: Option<CaseState>,
    pub events: Vec<CaseEvent>,
}

impl Case {
    pub fn new(policy: Policy, account: AccountFacts) -> Self {
        Case {
            policy,
            account,
            state: None,
            events: Vec::new(),
        }
    }

    pub fn run(
        &mut self,
        actor: &Actor,
        command: CaseCommand,
    ) -> Result<Vec<CaseEvent>, CoreError> {
        let events = decide(
            self.state.as_ref(),
            &command,
            actor,
            &self.policy,
            &self.account,
            now(),
        )?;
        for event in &events {
            self.state = evolve(self.state.take(), event);
        }
        self.events.extend(events.clone());
        Ok(events)
    }

    pub fn ok(&mut self, actor: &Actor, command: CaseCommand) -> Vec<CaseEvent> {
        let described = format!("{command:?}");
        self.run(actor, command)
            .unwrap_or_else(|error| panic!("{described} was refused: {error}"))
    }

    pub fn state(&self) -> &CaseState {
        self.state.as_ref().expect("the case exists")
    }

    pub fn received(policy: Policy, account: AccountFacts) -> Self {
        let mut case = Case::new(policy, account);
        case.ok(
            &actor(&[Role::AccountManager]),
            CaseCommand::Receive {
                case_id: Uuid::now_v7(),
                account_id: Uuid::now_v7(),
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: "ana@acme.io".into(),
                received_at: None,
            },
        );
        case
    }

    pub fn verified(policy: Policy, account: AccountFacts) -> Self {
        let mut case = Case::received(policy, account);
        case.ok(
            &actor(&[Role::AccountManager]),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("ANA@acme.io".into()),
                evidence: "Replied from the address on file".into(),
            },
        );
        case
    }
}

pub fn am() -> Actor {
    actor(&[Role::AccountManager])
}
