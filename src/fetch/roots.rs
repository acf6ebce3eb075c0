//! Extra trusted CA certificates (`[fetch] extra_ca_file`): read and checked
//! once, then trusted beside the system's by every TLS client copydesk makes
//! (the fetcher, the HTTP alert sinks, SMTP). Useful behind a corporate
//! proxy that re-signs HTTPS, or for servers with a private CA.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::CertificateDer;

/// The certificates of an `extra_ca_file`, each checked to be a usable
/// trust anchor.
#[derive(Clone)]
pub struct ExtraRoots {
    path: PathBuf,
    certs: Arc<Vec<CertificateDer<'static>>>,
}

/// Why an `extra_ca_file` cannot be used: the messages name the file
/// and what is wrong with it, which is all there is to say of each variant
/// and its fields.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
pub enum ExtraRootsError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} holds no PEM certificate (expected one or more blocks beginning with \
         -----BEGIN CERTIFICATE-----)",
        path.display()
    )]
    NoCertificate { path: PathBuf },
    #[error("{} is not valid PEM: {message}", path.display())]
    BadPem { path: PathBuf, message: String },
    #[error("certificate {index} in {} is not a usable CA certificate: {message}", path.display())]
    BadCertificate {
        path: PathBuf,
        index: usize,
        message: String,
    },
}

impl ExtraRoots {
    /// Read the PEM file at `path`: every `CERTIFICATE` block is kept (other
    /// blocks, such as keys, and text between blocks are ignored); at least
    /// one is required, and each must parse as a trust anchor.
    pub fn load(path: &Path) -> Result<ExtraRoots, ExtraRootsError> {
        let bytes = std::fs::read(path).map_err(|source| ExtraRootsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let certs = CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, pem::Error>>()
            .map_err(|e| ExtraRootsError::BadPem {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        if certs.is_empty() {
            return Err(ExtraRootsError::NoCertificate {
                path: path.to_path_buf(),
            });
        }
        let mut store = rustls::RootCertStore::empty();
        for (i, cert) in certs.iter().enumerate() {
            store
                .add(cert.clone())
                .map_err(|e| ExtraRootsError::BadCertificate {
                    path: path.to_path_buf(),
                    index: i + 1,
                    message: e.to_string(),
                })?;
        }
        Ok(ExtraRoots {
            path: path.to_path_buf(),
            certs: Arc::new(certs),
        })
    }

    /// The file the certificates came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many certificates the file holds.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Never true for a loaded file (at least one certificate is required).
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// The certificates, DER-encoded.
    pub fn der(&self) -> impl Iterator<Item = &[u8]> {
        self.certs.iter().map(|c| c.as_ref())
    }

    /// The certificates for a reqwest client (`tls_certs_merge`: trusted in
    /// addition to the system's roots).
    pub fn reqwest_certs(&self) -> Vec<reqwest::Certificate> {
        // from_der only wraps the bytes (checked in `load` already)
        self.der()
            .filter_map(|d| reqwest::Certificate::from_der(d).ok())
            .collect()
    }
}

impl std::fmt::Debug for ExtraRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtraRoots")
            .field("path", &self.path)
            .field("certificates", &self.certs.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_names_the_path() {
        let err = ExtraRoots::load(Path::new("/nonexistent/ca.pem")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("cannot read /nonexistent/ca.pem:"),
            "{text}"
        );
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "this is not a certificate\n").unwrap();
        let err = ExtraRoots::load(&path).unwrap_err();
        assert!(
            matches!(err, ExtraRootsError::NoCertificate { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
    }

    #[test]
    fn garbage_inside_a_certificate_block_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        // valid base64, but not a certificate
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let err = ExtraRoots::load(&path).unwrap_err();
        assert!(
            matches!(err, ExtraRootsError::BadCertificate { index: 1, .. }),
            "{err}"
        );
    }
}
