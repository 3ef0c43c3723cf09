//! What the admin subcommands do, as library functions over any `ServerStore`: create the
//! organisation, add users and set their roles, deactivate them, reset passwords, publish a
//! policy file (parsed and validated with `holdfast-core` first; its version must increase).

use holdfast_core::policy::parse_policy;
use holdfast_core::role::Role;
use holdfast_sync::protocol::PublishedPolicy;
use jiff::Timestamp;

use crate::auth::{hash_password_async, AuthConfig};
use crate::error::{Result, ServerError};
use crate::store::{NewUser, Organisation, ServerStore, SessionRecord, UserRecord};

fn checked_name(field: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServerError::invalid(field, "is empty"));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ServerError::invalid(
            field,
            "must be at most 200 characters, without control characters",
        ));
    }
    Ok(name.to_owned())
}

pub async fn create_organisation(store: &dyn ServerStore, name: &str) -> Result<Organisation> {
    let name = checked_name("organisation", name)?;
    store.create_organisation(&name, Timestamp::now()).await
}

pub(crate) async fn organisation(store: &dyn ServerStore, name: &str) -> Result<Organisation> {
    store
        .organisation_by_name(name.trim())
        .await?
        .ok_or_else(|| ServerError::NotFound {
            entity: "organisation",
            name: name.trim().to_owned(),
        })
}

async fn user(store: &dyn ServerStore, organisation_name: &str, name: &str) -> Result<UserRecord> {
    let organisation = organisation(store, organisation_name).await?;
    store
        .user_by_name(organisation.id, name.trim())
        .await?
        .ok_or_else(|| ServerError::NotFound {
            entity: "user",
            name: name.trim().to_owned(),
        })
}

/// Adds an active user with `roles` and an Argon2id hash of `password`.
pub async fn add_user(
    store: &dyn ServerStore,
    auth: &AuthConfig,
    organisation_name: &str,
    name: &str,
    roles: &[Role],
    password: String,
) -> Result<UserRecord> {
    let organisation = organisation(store, organisation_name).await?;
    let name = checked_name("user", name)?;
    let password_hash = hash_password_async(password, auth.clone()).await?;
    store
        .add_user(
            NewUser {
                organisation_id: organisation.id,
                name,
                roles: roles.to_vec(),
                password_hash,
            },
            Timestamp::now(),
        )
        .await
}

/// Deactivates (or reactivates) a user: a deactivated user's pushes are refused as a whole and
/// no new session is issued.
pub async fn set_active(
    store: &dyn ServerStore,
    organisation_name: &str,
    name: &str,
    active: bool,
) -> Result<UserRecord> {
    let user = user(store, organisation_name, name).await?;
    store.set_user_active(user.id, active).await
}

/// Replaces a user's roles.
pub async fn set_roles(
    store: &dyn ServerStore,
    organisation_name: &str,
    name: &str,
    roles: &[Role],
) -> Result<UserRecord> {
    let user = user(store, organisation_name, name).await?;
    store.set_user_roles(user.id, roles).await
}

/// Sets a new password and revokes every token the user holds.
pub async fn reset_password(
    store: &dyn ServerStore,
    auth: &AuthConfig,
    organisation_name: &str,
    name: &str,
    password: String,
) -> Result<UserRecord> {
    let user = user(store, organisation_name, name).await?;
    let hash = hash_password_async(password, auth.clone()).await?;
    store
        .set_password_hash(user.id, &hash, Timestamp::now())
        .await
}

/// The user's live sessions (one per sign-in, kept through refreshes), oldest first.
pub async fn sessions(
    store: &dyn ServerStore,
    organisation_name: &str,
    name: &str,
) -> Result<(UserRecord, Vec<SessionRecord>)> {
    let user = user(store, organisation_name, name).await?;
    let sessions = store.user_sessions(user.id, Timestamp::now()).await?;
    Ok((user, sessions))
}

/// Revokes one session of the user (`Some(id)`, `NotFound` when it is not one of their live
/// sessions) or all of them (`None`); the number revoked. Their desks must sign in again.
pub async fn revoke_sessions(
    store: &dyn ServerStore,
    organisation_name: &str,
    name: &str,
    session: Option<uuid::Uuid>,
) -> Result<u64> {
    let user = user(store, organisation_name, name).await?;
    let revoked = store
        .revoke_sessions(user.id, session, Timestamp::now())
        .await?;
    match session {
        Some(id) if revoked == 0 => Err(ServerError::NotFound {
            entity: "session",
            name: id.to_string(),
        }),
        _ => Ok(revoked),
    }
}

/// Publishes a policy file: it must parse and validate (errors name the line and key), and its
/// `version` must be greater than the published one. Clients receive it on their next sync.
pub async fn publish_policy(
    store: &dyn ServerStore,
    organisation_name: &str,
    source: &str,
) -> Result<PublishedPolicy> {
    let organisation = organisation(store, organisation_name).await?;
    let policy = parse_policy(source)?;
    store
        .publish_policy(organisation.id, policy.version, source, Timestamp::now())
        .await
}

/// A role as the command line names it (`account_manager`, `csm`, `manager`, `billing`,
/// `sales`, `admin`).
pub fn parse_role(text: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_lowercase())).map_err(|_| {
        format!("\"{text}\" is not a role (account_manager, csm, manager, billing, sales, admin)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::verify_password;
    use crate::store::sqlite::SqliteStore;
    use crate::store::suite::POLICY;
    use crate::store::{NewToken, TokenHash, TokenKind, TokenPair};

    /// Cheap hashes keep the tests quick; production uses the defaults.
    pub(super) fn fast() -> AuthConfig {
        AuthConfig {
            argon2: (64, 1, 1),
            ..AuthConfig::default()
        }
    }

    #[tokio::test]
    async fn organisations_users_roles_and_passwords() {
        let store = SqliteStore::open_in_memory().expect("store");
        create_organisation(&store, " Billsbee ")
            .await
            .expect("created");
        assert!(matches!(
            create_organisation(&store, "Billsbee").await,
            Err(ServerError::AlreadyExists { .. })
        ));
        assert!(matches!(
            create_organisation(&store, "  ").await,
            Err(ServerError::Invalid { .. })
        ));
        let ann = add_user(
            &store,
            &fast(),
            "Billsbee",
            "ann",
            &[Role::AccountManager],
            "first password".into(),
        )
        .await
        .expect("added");
        assert!(verify_password("first password", &ann.password_hash).expect("verify"));
        assert!(matches!(
            add_user(&store, &fast(), "Nowhere", "bob", &[], "password1".into()).await,
            Err(ServerError::NotFound {
                entity: "organisation",
                ..
            })
        ));
        assert!(matches!(
            add_user(&store, &fast(), "Billsbee", "bob", &[], "short".into()).await,
            Err(ServerError::Invalid { .. })
        ));

        let ann = set_roles(&store, "Billsbee", "ann", &[Role::Csm, Role::Manager])
            .await
            .expect("roles");
        assert_eq!(ann.roles, vec![Role::Csm, Role::Manager]);
        assert!(
            !set_active(&store, "Billsbee", "ann", false)
                .await
                .expect("off")
                .active
        );

        let at = Timestamp::now();
        let token = |text: &str, kind| NewToken {
            hash: TokenHash::of(text),
            kind,
            expires_at: at + jiff::SignedDuration::from_hours(1),
        };
        store
            .insert_tokens(
                ann.id,
                &TokenPair {
                    access: token("a", TokenKind::Access),
                    refresh: token("r", TokenKind::Refresh),
                },
                at,
            )
            .await
            .expect("tokens");
        let ann = reset_password(&store, &fast(), "Billsbee", "ann", "second password".into())
            .await
            .expect("reset");
        assert!(verify_password("second password", &ann.password_hash).expect("verify"));
        assert!(!verify_password("first password", &ann.password_hash).expect("verify"));
        assert_eq!(
            store
                .token_user(&TokenHash::of("r"), TokenKind::Refresh, at)
                .await
                .expect("read"),
            None,
            "a reset revokes the user's tokens"
        );
        assert!(matches!(
            set_active(&store, "Billsbee", "nobody", false).await,
            Err(ServerError::NotFound { entity: "user", .. })
        ));
    }

    #[tokio::test]
    async fn policies_are_validated_and_versions_increase() {
        let store = SqliteStore::open_in_memory().expect("store");
        create_organisation(&store, "Billsbee")
            .await
            .expect("created");
        let published = publish_policy(&store, "Billsbee", POLICY)
            .await
            .expect("published");
        assert_eq!(published.version, 1);
        assert!(matches!(
            publish_policy(&store, "Billsbee", POLICY).await,
            Err(ServerError::PolicyVersion {
                given: 1,
                current: 1
            })
        ));
        let v2 = POLICY.replacen("version = 1", "version = 2", 1);
        assert_eq!(
            publish_policy(&store, "Billsbee", &v2)
                .await
                .expect("v2")
                .version,
            2
        );
        let broken = v2.replacen("version = 2", "version = 3", 1).replacen(
            "finalize = [\"manager\"]",
            "finalize = [\"boss\"]",
            1,
        );
        let error = publish_policy(&store, "Billsbee", &broken)
            .await
            .expect_err("an unknown role");
        let ServerError::Policy(error) = error else {
            panic!("expected a policy error, got {error:?}");
        };
        assert!(error.line.is_some(), "{error}");
        assert_eq!(
            store
                .current_policy(
                    store
                        .organisation_by_name("Billsbee")
                        .await
                        .expect("read")
                        .expect("org")
                        .id
                )
                .await
                .expect("read")
                .map(|policy| policy.version),
            Some(2),
            "nothing published"
        );
    }

    #[test]
    fn roles_are_named_as_in_the_policy() {
        assert_eq!(parse_role("account_manager"), Ok(Role::AccountManager));
        assert_eq!(parse_role(" Manager "), Ok(Role::Manager));
        assert!(parse_role("boss").is_err());
    }
}

/// Issue 12: the password rules where passwords are set, and sessions.
#[cfg(test)]
mod signin_tests {
    use super::tests::fast;
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{NewToken, TokenHash, TokenKind, TokenPair};

    #[tokio::test]
    async fn new_passwords_are_twelve_characters_and_not_common() {
        let store = SqliteStore::open_in_memory().expect("store");
        create_organisation(&store, "Billsbee")
            .await
            .expect("created");
        for password in [
            "elevenchars",
            "password1234",
            "Qwerty123456!",
            "1qaz2wsx3edc",
        ] {
            let refused = add_user(&store, &fast(), "Billsbee", "ann", &[], password.into()).await;
            assert!(
                matches!(&refused, Err(ServerError::Invalid { field, .. }) if field == "password"),
                "{password}: {refused:?}"
            );
        }
        let organisation = store
            .organisation_by_name("Billsbee")
            .await
            .expect("read")
            .expect("org");
        assert_eq!(
            store
                .user_by_name(organisation.id, "ann")
                .await
                .expect("read"),
            None,
            "nothing stored"
        );
        let ann = add_user(
            &store,
            &fast(),
            "Billsbee",
            "ann",
            &[],
            "twelve chars".into(),
        )
        .await
        .expect("added");
        assert!(matches!(
            reset_password(&store, &fast(), "Billsbee", "ann", "iloveyou2024".into()).await,
            Err(ServerError::Invalid { .. })
        ));
        assert_eq!(
            store
                .user(ann.id)
                .await
                .expect("read")
                .map(|user| user.password_hash),
            Some(ann.password_hash),
            "the password is unchanged"
        );
    }

    #[tokio::test]
    async fn an_admin_lists_and_revokes_a_users_sessions() {
        let store = SqliteStore::open_in_memory().expect("store");
        create_organisation(&store, "Billsbee")
            .await
            .expect("created");
        let ann = add_user(
            &store,
            &fast(),
            "Billsbee",
            "ann",
            &[],
            "a long enough password".into(),
        )
        .await
        .expect("added");
        let at = Timestamp::now();
        let pair = |access: &str, refresh: &str| TokenPair {
            access: NewToken {
                hash: TokenHash::of(access),
                kind: TokenKind::Access,
                expires_at: at + jiff::SignedDuration::from_hours(1),
            },
            refresh: NewToken {
                hash: TokenHash::of(refresh),
                kind: TokenKind::Refresh,
                expires_at: at + jiff::SignedDuration::from_hours(24),
            },
        };
        for (access, refresh) in [("a1", "r1"), ("a2", "r2"), ("a3", "r3")] {
            store
                .insert_tokens(ann.id, &pair(access, refresh), at)
                .await
                .expect("tokens");
        }
        let (_, listed) = sessions(&store, "Billsbee", "ann").await.expect("listed");
        assert_eq!(listed.len(), 3);
        let table = crate::cli::sessions_table("ann", &listed);
        assert_eq!(table.lines().count(), 4, "{table}");
        assert!(table.contains(&listed[0].id.to_string()), "{table}");

        assert_eq!(
            revoke_sessions(&store, "Billsbee", "ann", Some(listed[0].id))
                .await
                .expect("revoked"),
            1
        );
        assert!(matches!(
            revoke_sessions(&store, "Billsbee", "ann", Some(listed[0].id)).await,
            Err(ServerError::NotFound {
                entity: "session",
                ..
            })
        ));
        assert_eq!(
            store
                .token_user(&TokenHash::of("a1"), TokenKind::Access, at)
                .await
                .expect("read"),
            None
        );
        assert_eq!(
            revoke_sessions(&store, "Billsbee", "ann", None)
                .await
                .expect("revoked"),
            2
        );
        let (_, listed) = sessions(&store, "Billsbee", "ann").await.expect("listed");
        assert!(listed.is_empty());
        assert_eq!(
            crate::cli::sessions_table("ann", &listed),
            "ann has no live sessions\n"
        );
    }
}
