// The one list of the commands the window may call. Included (not a module) by
// `src-tauri/build.rs`, which grants the window exactly these commands, and by `commands/mod.rs`,
// from which the invoke handler (`lib.rs`), `COMMAND_NAMES` and the TypeScript `Commands` map
// (`bindings.rs`) are expanded. Adding a command means adding its line here and nothing else.
//
// Each line: `module::command(Args) -> Result`, where `Args` is what the window passes as `args`
// (`()` for a command that takes none) and `Result` is what it answers with when it succeeds
// (every command fails with `AppError`). Build scripts only read the names, so the types here
// are resolved where the list is expanded into bindings.

/// Calls `$then!` with every command, one per line: `module::name(Args) -> Result`.
macro_rules! for_each_command {
    ($then:ident) => {
        $then! {
            session::session_status(()) -> SessionStatus,
            session::create_passphrase(PassphraseArgs) -> SessionStatus,
            session::unlock_with_passphrase(PassphraseArgs) -> SessionStatus,
            accounts::choose_accounts_file(()) -> Option<String>,
            accounts::import_accounts(ImportAccountsArgs) -> ImportSummary,
            accounts::preview_accounts_import(PreviewImportArgs) -> ImportPreview,
            accounts::account_detail(AccountArgs) -> AccountDetail,
            accounts::list_accounts(AccountQuery) -> AccountPage,
            cases::open_case(OpenCase) -> CaseSummary,
            cases::list_inbox(InboxQuery) -> CasePage,
            cases::inbox_facets(()) -> InboxFacets,
            cases::case_detail(CaseArgs) -> CaseDetail,
            cases::run_case_command(CaseCommandArgs) -> CaseDetail,
            cases::check_offer(OfferCheckArgs) -> OfferCheck,
            queues::list_queue(QueueArgs) -> Vec<QueueItem>,
            queues::queue_counts(()) -> QueueCounts,
            profile::desk_profile(()) -> DeskProfile,
            profile::list_policy_presets(()) -> Vec<PolicySummary>,
            profile::choose_policy(ChoosePolicyArgs) -> PolicySummary,
            profile::set_local_user(LocalUserChange) -> LocalUser,
            profile::switch_local_user(LocalUserChange) -> LocalUser,
            profile::list_people(()) -> Vec<Person>,
            roster::import_sales_reps(ImportRosterArgs) -> RosterImportSummary,
            roster::list_sales_reps(()) -> Vec<SalesRep>,
            profile::policy_sentences(()) -> Vec<String>,
            notes::search_notes(NoteSearchArgs) -> Vec<NoteHit>,
            messages::compose_case_message(ComposeMessageArgs) -> ComposedMessage,
            messages::send_case_message(SendMessageArgs) -> MessageSent,
            mail::mail_setup(()) -> MailSetup,
            mail::set_mail_setup(MailSetupChange) -> MailSetup,
            mail::send_test_mail(TestMailArgs) -> TestMailOutcome,
            mail::case_outbox(CaseOutboxArgs) -> Vec<OutboxEntry>,
            one_time_codes::send_one_time_code(SendCodeArgs) -> CodeToSend,
            one_time_codes::enter_one_time_code(EnterCodeArgs) -> CaseDetail,
            sync::sync_status(()) -> SyncStatus,
            sync::connect_to_server(ServerSignIn) -> SyncStatus,
            sync::sign_out_of_server(()) -> SyncStatus,
            sync::sync_now(()) -> SyncStatus,
            sync::sync_notices(()) -> Vec<SyncNotice>,
            sync::dismiss_sync_notice(DismissNoticeArgs) -> Vec<SyncNotice>,
            sync::export_pending_work(()) -> Option<PendingExport>,
            sync::rejoin_server(RejoinArgs) -> Rejoined,
            audit::verify_audit_chain(()) -> AuditCheck,
            audit::save_audit_export(()) -> Option<AuditExportSaved>,
            audit::check_audit_export(()) -> Option<AuditExportCheck>,
            due::due_items(()) -> DueView,
            due::snooze_reminder(SnoozeArgs) -> DueView,
            due::mark_reminder_done(ReminderKeyArgs) -> DueView,
            due::reminder_settings(()) -> ReminderSettings,
            due::set_reminder_settings(ReminderSettings) -> ReminderSettings,
            reports::report(ReportArgs) -> ReportFigures,
            reports::report_cases(ReportCasesArgs) -> ReportDrill,
            reports::weekly_reason_report(WeeklyReasonArgs) -> WeeklyReasonReport,
            reports::save_weekly_reason_report(SaveWeeklyReasonArgs) -> Option<SavedReport>,
            reports::save_cancellation_sheet(SaveCancellationSheetArgs) -> Option<SavedReport>,
            privacy::save_customer_data(SaveCustomerDataArgs) -> Option<SavedReport>,
            privacy::erase_customer_data(EraseCustomerDataArgs) -> ErasureOutcome,
            exports::save_cases_export(SaveCasesArgs) -> Option<SavedExport>,
            exports::save_tasks_export(SaveTasksArgs) -> Option<SavedExport>,
            updates::check_for_update(()) -> UpdateCheck,
            updates::install_update(InstallUpdateArgs) -> (),
            desktop::quit_app(()) -> (),
            desktop::start_at_login(()) -> StartAtLogin,
            desktop::set_start_at_login(StartAtLogin) -> StartAtLogin,
            desktop::take_opened_link(()) -> Option<OpenedLink>,
            desktop::copy_diagnostics(()) -> CopiedDiagnostics,
        }
    };
}
