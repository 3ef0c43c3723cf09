//! `holdfast://` links: `holdfast://case/<uuid>` opens that case in the desk.
//!
//! A link reaches the app three ways: as an argument when the app is started by it (the desktop's
//! handler for the scheme, `xdg-open`, a notification, an e-mail), as an argument of a second
//! start that the single-instance lock hands to the running app (`instance.rs`), and on macOS as
//! the OS's "open URL" event (`tauri-plugin-deep-link`). All three come to `deliver`, which parses
//! the link (`parse`, the one place that reads one), keeps what it asks for until the window
//! takes it (`take_opened_link`: a link that started the app arrives before the window listens)
//! and tells the window (`LINK_OPENED_EVENT`). The window checks the case exists once the profile
//! is open; a link that does not parse is a message in the desk, never a crash.

use std::sync::Mutex;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use ts_rs::TS;
use uuid::Uuid;

/// The URL scheme registered for Holdfast (`plugins.deep-link.desktop.schemes` in tauri.conf.json).
pub const SCHEME: &str = "holdfast";

/// Told to the window when a link arrived: it then takes it with `take_opened_link`.
pub const LINK_OPENED_EVENT: &str = "link-opened";

/// What a well-formed link asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Case(Uuid),
}

/// Why a link was refused. Each names what is wrong without repeating the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("This is not a Holdfast link.")]
    NotHoldfast,
    #[error("Holdfast links open cases (holdfast://case/…); this one asks for something else.")]
    UnknownTarget,
    #[error("This case link names no case: the case's id is missing.")]
    MissingId,
    #[error("This case link's id is not a case id: check that the whole link was copied.")]
    BadId,
}

impl LinkError {
    /// The kind, for the log (which never holds the link itself).
    pub fn kind(self) -> &'static str {
        match self {
            LinkError::NotHoldfast => "not_holdfast",
            LinkError::UnknownTarget => "unknown_target",
            LinkError::MissingId => "missing_id",
            LinkError::BadId => "bad_id",
        }
    }
}

/// Reads a link: `holdfast://case/<uuid>`, the scheme in any case, a trailing slash allowed, a
/// query or fragment (a mail client's tracking) ignored. Anything else is refused.
pub fn parse(link: &str) -> Result<Link, LinkError> {
    let link = link.trim();
    let (scheme, rest) = link.split_once(':').ok_or(LinkError::NotHoldfast)?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return Err(LinkError::NotHoldfast);
    }
    let rest = rest.strip_prefix("//").ok_or(LinkError::UnknownTarget)?;
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (target, id) = rest.split_once('/').unwrap_or((rest, ""));
    if !target.eq_ignore_ascii_case("case") {
        return Err(LinkError::UnknownTarget);
    }
    if id.is_empty() {
        return Err(LinkError::MissingId);
    }
    // Only the hyphenated form a case id is shown in (no braces, no `urn:uuid:`).
    if id.len() != 36 || id.contains('/') {
        return Err(LinkError::BadId);
    }
    Uuid::try_parse(id)
        .map(Link::Case)
        .map_err(|_| LinkError::BadId)
}

/// The first argument that is a `holdfast:` link, if any (the program's own name included or
/// not: it never starts with the scheme).
pub fn in_args<S: AsRef<str>>(args: impl IntoIterator<Item = S>) -> Option<String> {
    args.into_iter()
        .map(|arg| arg.as_ref().to_owned())
        .find(|arg| {
            arg.get(..SCHEME.len() + 1)
                .is_some_and(|start| start.eq_ignore_ascii_case(&format!("{SCHEME}:")))
        })
}

/// What the window is told a link asks for: a case to open, or why the link was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "open", rename_all = "snake_case")]
pub enum OpenedLink {
    /// Open this case (the window checks this desk has it).
    Case { case_id: Uuid },
    /// The link could not be read; the desk shows `message`.
    Refused { message: String },
}

impl From<Result<Link, LinkError>> for OpenedLink {
    fn from(parsed: Result<Link, LinkError>) -> Self {
        match parsed {
            Ok(Link::Case(case_id)) => OpenedLink::Case { case_id },
            Err(error) => OpenedLink::Refused {
                message: error.to_string(),
            },
        }
    }
}

/// The last link that arrived and the window has not taken yet.
#[derive(Default)]
pub struct OpenedLinks(Mutex<Option<OpenedLink>>);

impl OpenedLinks {
    pub fn put(&self, link: OpenedLink) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(link);
    }

    pub fn take(&self) -> Option<OpenedLink> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// A link arrived: it is parsed, kept for the window, and the window is brought forward and
/// told. The log names the case's id or the kind of refusal, never the link's text.
pub fn deliver<R: Runtime>(app: &AppHandle<R>, link: &str) {
    let parsed = parse(link);
    match &parsed {
        Ok(Link::Case(id)) => log::info!("link: open case {id}"),
        Err(error) => log::warn!("link: refused ({})", error.kind()),
    }
    if let Some(links) = app.try_state::<OpenedLinks>() {
        links.put(parsed.into());
    }
    crate::tray::show_window(app);
    if let Err(error) = app.emit_to(crate::tray::MAIN_WINDOW, LINK_OPENED_EVENT, ()) {
        log::warn!(
            "link: the window could not be told ({})",
            error_kind(&error)
        );
    }
}

fn error_kind(error: &tauri::Error) -> &'static str {
    match error {
        tauri::Error::WebviewNotFound | tauri::Error::WindowNotFound => "no_window",
        _ => "tauri",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0190f0c1-2b3c-7d4e-8f00-112233445566";

    #[test]
    fn a_case_link_names_its_case() {
        let id = Uuid::parse_str(ID).unwrap();
        for link in [
            format!("holdfast://case/{ID}"),
            format!("holdfast://case/{ID}/"),
            format!("HOLDFAST://Case/{}", ID.to_uppercase()),
            format!("  holdfast://case/{ID}\n"),
            format!("holdfast://case/{ID}?utm_source=mail"),
            format!("holdfast://case/{ID}#timeline"),
        ] {
            assert_eq!(parse(&link), Ok(Link::Case(id)), "{link:?}");
        }
    }

    #[test]
    fn a_malformed_link_is_refused_with_its_reason() {
        let cases = [
            ("https://holdfast.example/case/x", LinkError::NotHoldfast),
            ("holdfastcase", LinkError::NotHoldfast),
            ("", LinkError::NotHoldfast),
            ("holdfast:case/x", LinkError::UnknownTarget),
            ("holdfast://account/abc", LinkError::UnknownTarget),
            ("holdfast://", LinkError::UnknownTarget),
            ("holdfast://case", LinkError::MissingId),
            ("holdfast://case/", LinkError::MissingId),
            ("holdfast://case/not-a-uuid", LinkError::BadId),
            (
                "holdfast://case/0190f0c1-2b3c-7d4e-8f00-11223344556",
                LinkError::BadId,
            ),
            (
                "holdfast://case/0190f0c12b3c7d4e8f00112233445566",
                LinkError::BadId,
            ),
            (
                "holdfast://case/{0190f0c1-2b3c-7d4e-8f00-112233445566}",
                LinkError::BadId,
            ),
            (
                "holdfast://case/0190f0c1-2b3c-7d4e-8f00-112233445566/extra",
                LinkError::BadId,
            ),
            ("holdfast://case/../../etc/passwd", LinkError::BadId),
        ];
        for (link, expected) in cases {
            assert_eq!(parse(link), Err(expected), "{link:?}");
        }
    }

    #[test]
    fn a_refusal_never_repeats_the_link() {
        let link = "holdfast://case/Acme Ltd, ana@acme.example";
        let refused = OpenedLink::from(parse(link));
        let OpenedLink::Refused { message } = refused else {
            panic!("{link} was not refused");
        };
        assert!(
            !message.contains("Acme") && !message.contains("ana@"),
            "{message}"
        );
    }

    #[test]
    fn the_link_is_found_among_the_arguments() {
        let link = format!("holdfast://case/{ID}");
        assert_eq!(
            in_args(["/usr/bin/holdfast", "--profile", "/tmp/p", link.as_str()]),
            Some(link.clone())
        );
        assert_eq!(in_args(["/usr/bin/holdfast", link.as_str()]), Some(link));
        assert_eq!(in_args(["/usr/bin/holdfast", "--in-tray"]), None);
        // A profile folder named like the scheme is not a link.
        assert_eq!(in_args(["holdfast", "--profile", "holdfast-work"]), None);
    }

    #[test]
    fn the_window_is_told_what_to_open_as_tagged_json() {
        let id = Uuid::parse_str(ID).unwrap();
        assert_eq!(
            serde_json::to_value(OpenedLink::Case { case_id: id }).unwrap(),
            serde_json::json!({ "open": "case", "case_id": ID })
        );
        let links = OpenedLinks::default();
        assert_eq!(links.take(), None);
        links.put(OpenedLink::Case { case_id: id });
        links.put(OpenedLink::from(parse("holdfast://nope")));
        // The latest link wins; once taken it is gone.
        assert!(matches!(links.take(), Some(OpenedLink::Refused { .. })));
        assert_eq!(links.take(), None);
    }
}
