//! The TypeScript side of the command interface, generated from the Rust types so the two cannot
//! drift: every argument, result and error type, and a map from each command to its argument and
//! result, expanded from the one list of commands (`commands/list.rs`). `ui/src/lib/bindings.ts` is checked by a test to match; `UPDATE_BINDINGS=1 cargo test
//! -p holdfast bindings` rewrites it.

use ts_rs::{Config, TS};

use crate::commands::for_each_command;

use holdfast_core::account::{Account, AccountDraft, PreferredChannel};
use holdfast_core::case::{CaseStatus, OpenCase, RequestChannel};
use holdfast_core::error::RowProblem;
use holdfast_core::money::Money;
use holdfast_store::accounts::{AccountCursor, AccountPage, AccountQuery, ImportSummary};
use holdfast_store::cases::{
    CaseCursor, CasePage, CaseSummary, DueFilter, InboxFacets, InboxQuery, InboxSort, OwnerFilter,
    ReasonOption,
};

use holdfast_core::error::Gate;
use holdfast_core::policy::{
    AcknowledgeChannel, ChecklistStep, ChecklistWhen, OfferKind, OfferTerms, Route, ThresholdScope,
    VerificationMethod,
};
use holdfast_core::queue::{Queue, QueueUse};
use holdfast_core::read_model::TaskKind;
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    Blocker, CancellationSheetRow, CaseCommand, Checklist, ChecklistItemStatus, NextAction,
    NextActionId, OfferProposal, OpenTask, PendingOffer, RefundReviewReason, RefundStatusCheck,
    RepStatus, WinBackCheckIn, WinBackCheckInOutcome, WinBackOutcome,
};
use holdfast_store::case_commands::Person;
use holdfast_store::case_commands::TimelineEntry;
use holdfast_store::queues::{QueueCounts, QueueItem, QueueTask};
use holdfast_store::roster::{RosterImportSummary, SalesRep};
use holdfast_store::settings::{LocalUser, LocalUserChange};

use crate::commands::accounts::AccountArgs;
use crate::commands::cases::{CaseArgs, CaseCommandArgs, CaseDetail, OfferCheck, OfferCheckArgs};
use crate::commands::imports::{
    FieldInfo, ImportAccountsArgs, ImportFile, ImportFileArgs, ImportPreview, MappingNameArgs,
    PresetForFile, PreviewImportArgs, PreviewRow, SaveMappingArgs,
};
use crate::commands::mail::{
    CaseOutboxArgs, MailSetup, MailSetupChange, TestMailArgs, TestMailOutcome,
};
use crate::commands::messages::{
    ComposeMessageArgs, MessageDelivery, MessageSent, SendMessageArgs,
};
use crate::commands::notes::NoteSearchArgs;
use crate::commands::one_time_codes::{CodeToSend, EnterCodeArgs, SendCodeArgs};
use crate::commands::profile::{ChoosePolicyArgs, DeskProfile, PolicySummary};
use crate::commands::queues::QueueArgs;
use crate::commands::roster::ImportRosterArgs;
use crate::commands::session::PassphraseArgs;
use crate::commands::sync::{
    DismissNoticeArgs, NoticeProblem, PendingExport, RejoinArgs, Rejoined, ServerSignIn,
    ServerUser, SyncNotice, SyncState, SyncStatus,
};
use crate::error::AppError;
use crate::session::SessionStatus;
use holdfast_core::import::mapping::{
    AccountField, AmountUnit, ColumnMapping, DateOrder, FieldKind, FieldMapping, FieldSource,
    Transform,
};
use holdfast_core::import::presets::PresetInfo;
use holdfast_core::import::proposal::{Proposal, ProposalOrigin, SavedMapping};
use holdfast_core::policy::{MessageKind, Step};
use holdfast_core::workflow::EmailReceipt;
use holdfast_core::workflow::{
    CodeStatus, ComposedMessage, Finalization, ReasonChoice, Refund, RefundStatus, StepPermission,
    SyncConflict,
};
use holdfast_store::account_history::{
    AccountCase, AccountDetail, AccountOffer, AccountRefund, OfferOutcome, RefundProgress, Stamp,
};
use holdfast_store::accounts::RowChange;
use holdfast_store::accounts::{NotInFile, NotInFileAccount};
use holdfast_store::events::AuditVerdict;
use holdfast_store::mail::{MailSecurity, MailSettings, OutboxEntry, OutboxState};
use holdfast_store::notes::NoteHit;
use holdfast_store::sample_data::{SampleData, SampleRemoved};

use crate::commands::audit::{AuditCheck, AuditExportCheck, AuditExportSaved, ExportVerdict};
use crate::commands::desktop::{CopiedDiagnostics, StartAtLogin};
use crate::commands::due::{DueView, ReminderKeyArgs, SnoozeArgs};
use crate::commands::exports::{
    ExportFileFormat, ExportList, ExportProgress, ExportStage, SaveCasesArgs, SaveTasksArgs,
    SavedExport,
};
use crate::commands::heads_ups::{
    HeadsUpKind, HeadsUpSettings, HeadsUpSubscriptionView, RemoveHeadsUpArgs, SaveHeadsUpArgs,
};
use crate::commands::privacy::{CustomerDataFormat, EraseCustomerDataArgs, SaveCustomerDataArgs};
use crate::commands::reports::{
    ReportArgs, ReportCasesArgs, ReportDrill, ReportFigures, ReportFileFormat, ReportFilters,
    SaveCancellationSheetArgs, SaveWeeklyReasonArgs, SavedReport, SheetFileFormat,
    WeeklyReasonArgs,
};
use crate::commands::updates::InstallUpdateArgs;
use crate::links::OpenedLink;
use crate::updates::{AvailableUpdate, UpdateCheck};
use holdfast_core::erasure::ErasureReason;
use holdfast_core::heads_up::{
    Delivery, DeliveryStatus, HeadsUpFormat, HeadsUpLog, Subscription, SubscriptionSummary,
};
use holdfast_core::reminders::{DueItem, QuietTime, ReminderKind, SnoozeChoice, Stage};
use holdfast_core::reports::{
    Change, CheckInGroup, CurrencyTotal, FirstResponseFigures, Group, IsoWeek, KeepingFigures,
    MoneyChange, Month, MonthFigures, OfferFigures, OfferFunnel, OfferGroup, OutcomeFigures, Rate,
    ReasonCancellations, ReasonWeekRow, RefundApproval, RefundApprovalGroup, RefundBand,
    RefundBandGroup, RefundFigures, RefundTotals, Report, Tally, Trend, TrendChange, TrendMonth,
    WeekFigures, WeeklyReasonReport, WinBackFigures, WinBackOutcomes,
};
use holdfast_store::due::{DueEntry, DueGroups};
use holdfast_store::erasure::ErasureOutcome;
use holdfast_store::settings::ReminderSettings;

/// Each command of `commands/list.rs`: its name and the TypeScript names of its argument type
/// (passed as `args`; `null` when it takes none) and its result type.
macro_rules! command_types {
    ($($module:ident::$name:ident($args:ty) -> $result:ty),* $(,)?) => {
        fn command_types(cfg: &Config) -> Vec<(&'static str, String, String)> {
            vec![$((stringify!($name), <$args as TS>::name(cfg), <$result as TS>::name(cfg))),*]
        }
    };
}
for_each_command!(command_types);

fn declaration<T: TS>(cfg: &Config) -> String {
    format!("export {}\n", T::decl(cfg))
}

/// The whole of `bindings.ts`.
pub fn typescript() -> String {
    // Money and counts are JavaScript numbers: exact up to 2^53, far beyond any amount in cents.
    let cfg = Config::new().with_large_int("number");
    let declarations = [
        declaration::<AppError>(&cfg),
        declaration::<RowProblem>(&cfg),
        declaration::<SessionStatus>(&cfg),
        declaration::<SyncState>(&cfg),
        declaration::<ServerUser>(&cfg),
        declaration::<SyncStatus>(&cfg),
        declaration::<ServerSignIn>(&cfg),
        declaration::<NoticeProblem>(&cfg),
        declaration::<SyncNotice>(&cfg),
        declaration::<DismissNoticeArgs>(&cfg),
        declaration::<PendingExport>(&cfg),
        declaration::<RejoinArgs>(&cfg),
        declaration::<Rejoined>(&cfg),
        declaration::<PassphraseArgs>(&cfg),
        declaration::<ImportAccountsArgs>(&cfg),
        declaration::<ImportSummary>(&cfg),
        declaration::<PreviewImportArgs>(&cfg),
        declaration::<RowChange>(&cfg),
        declaration::<PreviewRow>(&cfg),
        declaration::<ImportPreview>(&cfg),
        declaration::<NotInFile>(&cfg),
        declaration::<NotInFileAccount>(&cfg),
        declaration::<ImportFileArgs>(&cfg),
        declaration::<ImportFile>(&cfg),
        declaration::<FieldInfo>(&cfg),
        declaration::<PresetForFile>(&cfg),
        declaration::<PresetInfo>(&cfg),
        declaration::<Proposal>(&cfg),
        declaration::<ProposalOrigin>(&cfg),
        declaration::<SavedMapping>(&cfg),
        declaration::<SaveMappingArgs>(&cfg),
        declaration::<MappingNameArgs>(&cfg),
        declaration::<AccountField>(&cfg),
        declaration::<FieldKind>(&cfg),
        declaration::<ColumnMapping>(&cfg),
        declaration::<FieldMapping>(&cfg),
        declaration::<FieldSource>(&cfg),
        declaration::<Transform>(&cfg),
        declaration::<DateOrder>(&cfg),
        declaration::<AmountUnit>(&cfg),
        declaration::<SampleData>(&cfg),
        declaration::<SampleRemoved>(&cfg),
        declaration::<AccountArgs>(&cfg),
        declaration::<Stamp>(&cfg),
        declaration::<AccountCase>(&cfg),
        declaration::<OfferOutcome>(&cfg),
        declaration::<AccountOffer>(&cfg),
        declaration::<RefundProgress>(&cfg),
        declaration::<AccountRefund>(&cfg),
        declaration::<AccountDetail>(&cfg),
        declaration::<PreferredChannel>(&cfg),
        declaration::<Money>(&cfg),
        declaration::<AccountDraft>(&cfg),
        declaration::<Account>(&cfg),
        declaration::<AccountCursor>(&cfg),
        declaration::<AccountQuery>(&cfg),
        declaration::<AccountPage>(&cfg),
        declaration::<RequestChannel>(&cfg),
        declaration::<CaseStatus>(&cfg),
        declaration::<OpenCase>(&cfg),
        declaration::<CaseSummary>(&cfg),
        declaration::<InboxSort>(&cfg),
        declaration::<OwnerFilter>(&cfg),
        declaration::<DueFilter>(&cfg),
        declaration::<CaseCursor>(&cfg),
        declaration::<InboxQuery>(&cfg),
        declaration::<ReasonOption>(&cfg),
        declaration::<InboxFacets>(&cfg),
        declaration::<CasePage>(&cfg),
        declaration::<TimelineEntry>(&cfg),
        declaration::<Gate>(&cfg),
        declaration::<Blocker>(&cfg),
        declaration::<Route>(&cfg),
        declaration::<OfferKind>(&cfg),
        declaration::<OfferTerms>(&cfg),
        declaration::<PendingOffer>(&cfg),
        declaration::<NextActionId>(&cfg),
        declaration::<NextAction>(&cfg),
        declaration::<Checklist>(&cfg),
        declaration::<OfferCheckArgs>(&cfg),
        declaration::<OfferCheck>(&cfg),
        declaration::<Queue>(&cfg),
        declaration::<QueueUse>(&cfg),
        declaration::<QueueArgs>(&cfg),
        declaration::<QueueCounts>(&cfg),
        declaration::<TaskKind>(&cfg),
        declaration::<QueueTask>(&cfg),
        declaration::<QueueItem>(&cfg),
        declaration::<CaseDetail>(&cfg),
        declaration::<CaseArgs>(&cfg),
        declaration::<VerificationMethod>(&cfg),
        declaration::<OfferProposal>(&cfg),
        declaration::<CaseCommand>(&cfg),
        declaration::<CaseCommandArgs>(&cfg),
        declaration::<Role>(&cfg),
        declaration::<LocalUser>(&cfg),
        declaration::<LocalUserChange>(&cfg),
        declaration::<Person>(&cfg),
        declaration::<RepStatus>(&cfg),
        declaration::<SalesRep>(&cfg),
        declaration::<ImportRosterArgs>(&cfg),
        declaration::<RosterImportSummary>(&cfg),
        declaration::<PolicySummary>(&cfg),
        declaration::<DeskProfile>(&cfg),
        declaration::<ChoosePolicyArgs>(&cfg),
        declaration::<Step>(&cfg),
        declaration::<StepPermission>(&cfg),
        declaration::<ReasonChoice>(&cfg),
        declaration::<CodeStatus>(&cfg),
        declaration::<RefundStatus>(&cfg),
        declaration::<Refund>(&cfg),
        declaration::<SyncConflict>(&cfg),
        declaration::<Finalization>(&cfg),
        declaration::<ChecklistWhen>(&cfg),
        declaration::<ChecklistStep>(&cfg),
        declaration::<ChecklistItemStatus>(&cfg),
        declaration::<CancellationSheetRow>(&cfg),
        declaration::<OpenTask>(&cfg),
        declaration::<WinBackOutcome>(&cfg),
        declaration::<WinBackCheckInOutcome>(&cfg),
        declaration::<WinBackCheckIn>(&cfg),
        declaration::<AcknowledgeChannel>(&cfg),
        declaration::<RefundReviewReason>(&cfg),
        declaration::<RefundStatusCheck>(&cfg),
        declaration::<ThresholdScope>(&cfg),
        declaration::<MessageKind>(&cfg),
        declaration::<Tally>(&cfg),
        declaration::<Rate>(&cfg),
        declaration::<Change>(&cfg),
        declaration::<CurrencyTotal>(&cfg),
        declaration::<MoneyChange>(&cfg),
        declaration::<OutcomeFigures>(&cfg),
        declaration::<IsoWeek>(&cfg),
        declaration::<Month>(&cfg),
        declaration::<WeekFigures>(&cfg),
        declaration::<MonthFigures>(&cfg),
        declaration::<Group>(&cfg),
        declaration::<KeepingFigures>(&cfg),
        declaration::<OfferFunnel>(&cfg),
        declaration::<OfferGroup>(&cfg),
        declaration::<OfferFigures>(&cfg),
        declaration::<FirstResponseFigures>(&cfg),
        declaration::<RefundBand>(&cfg),
        declaration::<RefundApproval>(&cfg),
        declaration::<RefundTotals>(&cfg),
        declaration::<RefundBandGroup>(&cfg),
        declaration::<RefundApprovalGroup>(&cfg),
        declaration::<RefundFigures>(&cfg),
        declaration::<WinBackOutcomes>(&cfg),
        declaration::<CheckInGroup>(&cfg),
        declaration::<WinBackFigures>(&cfg),
        declaration::<TrendChange>(&cfg),
        declaration::<ReasonCancellations>(&cfg),
        declaration::<TrendMonth>(&cfg),
        declaration::<Trend>(&cfg),
        declaration::<Report>(&cfg),
        declaration::<ReasonWeekRow>(&cfg),
        declaration::<WeeklyReasonReport>(&cfg),
        declaration::<ReportFigures>(&cfg),
        declaration::<ReportFilters>(&cfg),
        declaration::<ReportArgs>(&cfg),
        declaration::<ReportCasesArgs>(&cfg),
        declaration::<ReportDrill>(&cfg),
        declaration::<WeeklyReasonArgs>(&cfg),
        declaration::<ReportFileFormat>(&cfg),
        declaration::<SaveWeeklyReasonArgs>(&cfg),
        declaration::<SavedReport>(&cfg),
        declaration::<AvailableUpdate>(&cfg),
        declaration::<UpdateCheck>(&cfg),
        declaration::<InstallUpdateArgs>(&cfg),
        declaration::<CustomerDataFormat>(&cfg),
        declaration::<SaveCustomerDataArgs>(&cfg),
        declaration::<EraseCustomerDataArgs>(&cfg),
        declaration::<ErasureReason>(&cfg),
        declaration::<ErasureOutcome>(&cfg),
        declaration::<SheetFileFormat>(&cfg),
        declaration::<SaveCancellationSheetArgs>(&cfg),
        declaration::<ComposedMessage>(&cfg),
        declaration::<ComposeMessageArgs>(&cfg),
        declaration::<MessageDelivery>(&cfg),
        declaration::<SendMessageArgs>(&cfg),
        declaration::<MessageSent>(&cfg),
        declaration::<EmailReceipt>(&cfg),
        declaration::<MailSecurity>(&cfg),
        declaration::<MailSettings>(&cfg),
        declaration::<MailSetup>(&cfg),
        declaration::<MailSetupChange>(&cfg),
        declaration::<TestMailArgs>(&cfg),
        declaration::<TestMailOutcome>(&cfg),
        declaration::<CaseOutboxArgs>(&cfg),
        declaration::<OutboxState>(&cfg),
        declaration::<OutboxEntry>(&cfg),
        declaration::<NoteSearchArgs>(&cfg),
        declaration::<NoteHit>(&cfg),
        declaration::<SendCodeArgs>(&cfg),
        declaration::<CodeToSend>(&cfg),
        declaration::<EnterCodeArgs>(&cfg),
        declaration::<AuditVerdict>(&cfg),
        declaration::<AuditCheck>(&cfg),
        declaration::<AuditExportSaved>(&cfg),
        declaration::<ExportVerdict>(&cfg),
        declaration::<AuditExportCheck>(&cfg),
        declaration::<ExportFileFormat>(&cfg),
        declaration::<SaveCasesArgs>(&cfg),
        declaration::<SaveTasksArgs>(&cfg),
        declaration::<ExportList>(&cfg),
        declaration::<ExportStage>(&cfg),
        declaration::<ExportProgress>(&cfg),
        declaration::<SavedExport>(&cfg),
        declaration::<ReminderKind>(&cfg),
        declaration::<Stage>(&cfg),
        declaration::<DueItem>(&cfg),
        declaration::<DueEntry>(&cfg),
        declaration::<DueGroups>(&cfg),
        declaration::<SnoozeChoice>(&cfg),
        declaration::<DueView>(&cfg),
        declaration::<SnoozeArgs>(&cfg),
        declaration::<ReminderKeyArgs>(&cfg),
        declaration::<QuietTime>(&cfg),
        declaration::<ReminderSettings>(&cfg),
        declaration::<StartAtLogin>(&cfg),
        declaration::<OpenedLink>(&cfg),
        declaration::<CopiedDiagnostics>(&cfg),
        declaration::<HeadsUpFormat>(&cfg),
        declaration::<Subscription>(&cfg),
        declaration::<DeliveryStatus>(&cfg),
        declaration::<Delivery>(&cfg),
        declaration::<HeadsUpKind>(&cfg),
        declaration::<HeadsUpSubscriptionView>(&cfg),
        declaration::<HeadsUpSettings>(&cfg),
        declaration::<SaveHeadsUpArgs>(&cfg),
        declaration::<RemoveHeadsUpArgs>(&cfg),
        declaration::<SubscriptionSummary>(&cfg),
        declaration::<HeadsUpLog>(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit by hand:\n\
         // run `UPDATE_BINDINGS=1 cargo test -p holdfast bindings` after changing a command.\n\n",
    );
    for declaration in declarations {
        out.push_str(&declaration);
        out.push('\n');
    }
    out.push_str("/** Every command the window may call, with its argument and result. */\n");
    out.push_str("export type Commands = {\n");
    for (name, args, result) in command_types(&cfg) {
        out.push_str(&format!(
            "  {name}: {{ args: {args}; result: {result} }};\n"
        ));
    }
    out.push_str("};\n");
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn bindings_ts_is_up_to_date() {
        let path = root().join("ui/src/lib/bindings.ts");
        let expected = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == expected,
            "ui/src/lib/bindings.ts is out of date; run UPDATE_BINDINGS=1 cargo test -p holdfast bindings"
        );
    }

    /// Besides its commands, the window may only listen to the app's own events (a clicked
    /// reminder, `reminder-open`).
    #[test]
    fn the_window_is_granted_exactly_the_commands_it_has_and_the_apps_events() {
        let capability: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("src-tauri/capabilities/default.json")).unwrap(),
        )
        .unwrap();
        let mut granted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let mut commands: Vec<String> = crate::commands::COMMAND_NAMES
            .iter()
            .map(|name| format!("allow-{}", name.replace('_', "-")))
            // And listening to the app's own events (the tray's "Due" item: tray.rs).
            .chain([
                "core:event:allow-listen".into(),
                "core:event:allow-unlisten".into(),
            ])
            .collect();
        granted.sort();
        commands.sort();
        assert_eq!(granted, commands);
    }
}
