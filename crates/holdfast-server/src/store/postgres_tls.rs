//! TLS to PostgreSQL (issue 12), configured in the database URL as libpq does:
//! `?sslmode=disable|prefer|require|verify-ca|verify-full` and `&sslrootcert=/path/ca.pem` (or the
//! same keys in a `key=value` connection string). tokio-postgres knows only `disable`, `prefer`
//! and `require` and no `sslrootcert`, so both keys are taken out of the URL here and become a
//! rustls connector (the server's ring provider):
//!
//! - no `sslmode`: as before, no TLS;
//! - `prefer` / `require` (no `sslrootcert`): encrypted, the certificate not checked (libpq's
//!   meaning: it stops eavesdroppers, not an impostor); `prefer` falls back to plain text;
//! - `verify-ca`, or `require` with `sslrootcert`: the certificate must chain to the CA file;
//! - `verify-full`: and it must name the host connected to. This is the mode to use off-host.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::SslMode;

use crate::error::{Result, ServerError};

/// How the server's connections to PostgreSQL use TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PgTls {
    /// No TLS (no `sslmode`, or `sslmode=disable`).
    Off,
    /// TLS when the database offers it, its certificate not checked.
    Prefer,
    /// TLS or no connection, its certificate not checked.
    Require,
    /// TLS or no connection; the certificate chains to the CA in this file.
    VerifyCa(PathBuf),
    /// TLS or no connection; the certificate chains to the CA in this file and names the host.
    VerifyFull(PathBuf),
}

impl PgTls {
    /// The `sslmode` this is, for messages.
    pub fn mode_name(&self) -> &'static str {
        match self {
            PgTls::Off => "disable",
            PgTls::Prefer => "prefer",
            PgTls::Require => "require",
            PgTls::VerifyCa(_) => "verify-ca",
            PgTls::VerifyFull(_) => "verify-full",
        }
    }
}

/// Parses a database URL (or `key=value` string): the driver's configuration, and the TLS the
/// `sslmode` and `sslrootcert` in it ask for.
pub fn parse_database_url(url: &str) -> Result<(tokio_postgres::Config, PgTls)> {
    let (rest, mode, root) = take_tls_keys(url)?;
    let tls = match (mode.as_deref(), root) {
        (None | Some("disable"), _) => PgTls::Off,
        (Some("allow"), _) => {
            return Err(ServerError::Config(
                "--database-url: sslmode=allow is not supported; use prefer, require or \
                 verify-full"
                    .into(),
            ))
        }
        (Some("prefer"), _) => PgTls::Prefer,
        (Some("require"), None) => PgTls::Require,
        (Some("require" | "verify-ca"), Some(root)) => PgTls::VerifyCa(root),
        (Some("verify-full"), Some(root)) => PgTls::VerifyFull(root),
        (Some(mode @ ("verify-ca" | "verify-full")), None) => {
            return Err(ServerError::Config(format!(
                "--database-url: sslmode={mode} needs sslrootcert=/path/to/ca.pem, the CA \
                 certificate that signed the database server's certificate"
            )))
        }
        (Some(other), _) => {
            return Err(ServerError::Config(format!(
                "--database-url: unknown sslmode \"{other}\" (disable, prefer, require, \
                 verify-ca or verify-full)"
            )))
        }
    };
    let mut config = tokio_postgres::Config::from_str(&rest).map_err(|error| {
        ServerError::Config(format!("--database-url is not a PostgreSQL URL: {error}"))
    })?;
    config.ssl_mode(match tls {
        PgTls::Off => SslMode::Disable,
        PgTls::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    Ok((config, tls))
}

/// The URL without `sslmode` and `sslrootcert`, and their values.
type TlsKeys = (String, Option<String>, Option<PathBuf>);

fn take_tls_keys(url: &str) -> Result<TlsKeys> {
    let mut mode = None;
    let mut root = None;
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if is_url {
        let Some((base, query)) = url.split_once('?') else {
            return Ok((url.to_owned(), None, None));
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => mode = Some(percent_decode(value)?),
                "sslrootcert" => root = Some(PathBuf::from(percent_decode(value)?)),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok((rest, mode, root))
    } else {
        let mut kept = Vec::new();
        for word in url.split_whitespace() {
            match word.split_once('=') {
                Some(("sslmode", value)) => mode = Some(value.trim_matches('\'').to_owned()),
                Some(("sslrootcert", value)) => {
                    root = Some(PathBuf::from(value.trim_matches('\'')))
                }
                _ => kept.push(word),
            }
        }
        Ok((kept.join(" "), mode, root))
    }
}

fn percent_decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok())
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| {
                    ServerError::Config(format!("--database-url: a bad %-escape in \"{text}\""))
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| ServerError::Config(format!("--database-url: \"{text}\" is not UTF-8")))
}

/// The rustls connector `tls` asks for; `None` for `PgTls::Off`.
pub fn connector(tls: &PgTls) -> Result<Option<tokio_postgres_rustls::MakeRustlsConnect>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| ServerError::Tls(format!("the PostgreSQL TLS configuration: {error}")))?;
    let config = match tls {
        PgTls::Off => return Ok(None),
        PgTls::Prefer | PgTls::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified { provider }))
            .with_no_client_auth(),
        PgTls::VerifyCa(root) => {
            let inner = webpki_verifier(root, provider)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyName { inner }))
                .with_no_client_auth()
        }
        PgTls::VerifyFull(root) => builder
            .with_webpki_verifier(webpki_verifier(root, provider)?)
            .with_no_client_auth(),
    };
    Ok(Some(tokio_postgres_rustls::MakeRustlsConnect::new(config)))
}

fn webpki_verifier(
    root: &Path,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>> {
    let unreadable =
        |message: String| ServerError::Config(format!("sslrootcert {}: {message}", root.display()));
    let mut roots = rustls::RootCertStore::empty();
    let certificates = CertificateDer::pem_file_iter(root)
        .map_err(|error| unreadable(error.to_string()))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|error| unreadable(error.to_string()))?;
    if certificates.is_empty() {
        return Err(unreadable("holds no PEM certificate".into()));
    }
    for certificate in certificates {
        roots
            .add(certificate)
            .map_err(|error| unreadable(error.to_string()))?;
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|error| unreadable(error.to_string()))
}

/// `verify-ca`: the chain must verify; the name is not checked (libpq's meaning).
#[derive(Debug)]
struct AnyName {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `prefer` / `require`: encrypted, any certificate accepted (the handshake's signatures are
/// still checked against the certificate presented).
#[derive(Debug)]
struct Unverified {
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed CA (test fixture; its key is not kept anywhere).
    pub const TEST_CA: &str = include_str!("../../tests/fixtures/test-ca.pem");

    #[test]
    fn sslmode_and_sslrootcert_come_out_of_the_url() {
        let (config, tls) = parse_database_url(
            "postgres://holdfast@db.example.com:5433/holdfast?sslmode=verify-full&sslrootcert=%2Fetc%2Fholdfast%2Fpg-ca.pem&application_name=hf",
        )
        .expect("parses");
        assert_eq!(tls, PgTls::VerifyFull("/etc/holdfast/pg-ca.pem".into()));
        assert_eq!(config.get_ssl_mode(), SslMode::Require);
        assert_eq!(config.get_user(), Some("holdfast"));
        assert_eq!(config.get_ports(), &[5433]);
        assert_eq!(config.get_application_name(), Some("hf"));

        let (config, tls) =
            parse_database_url("postgres://holdfast@db/holdfast?sslmode=require").expect("parses");
        assert_eq!(
            (tls, config.get_ssl_mode()),
            (PgTls::Require, SslMode::Require)
        );
        let (_, tls) = parse_database_url(
            "postgresql://holdfast@db/holdfast?sslmode=verify-ca&sslrootcert=/ca.pem",
        )
        .expect("parses");
        assert_eq!(tls, PgTls::VerifyCa("/ca.pem".into()));
        // libpq: require with a root certificate verifies the chain.
        let (_, tls) = parse_database_url("postgres://h/db?sslmode=require&sslrootcert=/ca.pem")
            .expect("parses");
        assert_eq!(tls, PgTls::VerifyCa("/ca.pem".into()));
        let (config, tls) = parse_database_url("postgres://h/db").expect("parses");
        assert_eq!((tls, config.get_ssl_mode()), (PgTls::Off, SslMode::Disable));
        let (_, tls) = parse_database_url("postgres://h/db?sslmode=prefer").expect("parses");
        assert_eq!(tls, PgTls::Prefer);

        let (config, tls) = parse_database_url(
            "host=db.example.com user=holdfast dbname=holdfast sslmode=verify-full sslrootcert=/ca.pem",
        )
        .expect("a key=value string parses");
        assert_eq!(tls, PgTls::VerifyFull("/ca.pem".into()));
        assert_eq!(config.get_dbname(), Some("holdfast"));
    }

    #[test]
    fn a_verifying_mode_without_a_ca_or_an_unknown_mode_is_a_configuration_error() {
        for url in [
            "postgres://h/db?sslmode=verify-full",
            "postgres://h/db?sslmode=verify-ca",
            "postgres://h/db?sslmode=allow",
            "postgres://h/db?sslmode=sometimes",
            "postgres://h/db?sslmode=require&sslrootcert=%zz",
        ] {
            let error = parse_database_url(url).expect_err(url);
            assert!(matches!(error, ServerError::Config(_)), "{url}: {error}");
        }
        let error = parse_database_url("postgres://h/db?sslmode=verify-full").expect_err("no CA");
        assert!(error.to_string().contains("sslrootcert"), "{error}");
    }

    #[test]
    fn the_ca_file_must_hold_a_certificate() {
        let dir = tempfile::tempdir().expect("dir");
        let missing = dir.path().join("missing.pem");
        let error = connector(&PgTls::VerifyFull(missing.clone()))
            .err()
            .expect("missing file");
        assert!(matches!(error, ServerError::Config(_)), "{error}");
        assert!(error.to_string().contains("missing.pem"), "{error}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        assert!(matches!(
            connector(&PgTls::VerifyFull(empty)),
            Err(ServerError::Config(_))
        ));
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, TEST_CA).expect("write");
        assert!(connector(&PgTls::VerifyFull(ca.clone()))
            .expect("a CA")
            .is_some());
        assert!(connector(&PgTls::VerifyCa(ca)).expect("a CA").is_some());
        assert!(connector(&PgTls::Require).expect("unverified").is_some());
        assert!(connector(&PgTls::Off).expect("off").is_none());
    }
}
