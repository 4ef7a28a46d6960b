//! Pinning a clinic's own sync server certificate: a server on the clinic's network can serve
//! HTTPS with a certificate no public authority signed (made by the clinic's IT, or by
//! `tend-server pin --make-certificate`). The admin types the hash of its public key (its
//! "pin", which `tend-server` prints when it starts) when connecting the first desktop; the pin
//! travels in every pairing code, so each desktop trusts exactly that key and nothing else.
//!
//! How: every TLS connection the HTTP client opens checks that the certificate the server shows
//! has a public key hashing to the pin, and the handshake's signatures (so the server holds that
//! key); no certificate authority, expiry date or CA flag is consulted, as with SSH's known
//! hosts. A pin is SHA-256 of the certificate's SubjectPublicKeyInfo, in base64url, so a
//! certificate renewed with the same key keeps its pin.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use data_encoding::BASE64URL_NOPAD;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("the certificate could not be read: {0}")]
    Certificate(String),
    #[error(
        "the sync server's certificate does not match this clinic's pin (it has {found}): this \
         may not be the clinic's server; nothing was sent"
    )]
    Mismatch { found: String },
    #[error("the sync server cannot be reached ({0})")]
    Unreachable(String),
    #[error("a pin is 43 characters of base64url (SHA-256 of the certificate's public key)")]
    NotAPin,
}

/// The pin of a certificate: SHA-256 of its SubjectPublicKeyInfo, base64url.
pub fn pin_of(cert: &CertificateDer<'_>) -> Result<String, PinError> {
    let ee = webpki::EndEntityCert::try_from(cert)
        .map_err(|e| PinError::Certificate(format!("{e:?}")))?;
    Ok(BASE64URL_NOPAD.encode(&Sha256::digest(ee.subject_public_key_info().as_ref())))
}

/// The pin of the first certificate in a PEM file (the server's own, before its chain).
pub fn pin_of_pem(pem: &[u8]) -> Result<String, PinError> {
    let cert = CertificateDer::pem_slice_iter(pem)
        .next()
        .ok_or_else(|| PinError::Certificate("no certificate in the file".into()))?
        .map_err(|e| PinError::Certificate(e.to_string()))?;
    pin_of(&cert)
}

/// Checks a pin as typed: 32 bytes of base64url (spaces and a `sha256/` prefix are allowed).
pub fn parse_pin(text: &str) -> Result<String, PinError> {
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let cleaned = cleaned.strip_prefix("sha256/").unwrap_or(&cleaned);
    match BASE64URL_NOPAD.decode(cleaned.as_bytes()) {
        Ok(bytes) if bytes.len() == 32 => Ok(cleaned.to_owned()),
        _ => Err(PinError::NotAPin),
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts the server's certificate only if its public key hashes to the pin, and checks the
/// handshake's signatures with that key (so the server holds the private key).
#[derive(Debug)]
struct Pinned {
    pin: String,
    seen: Mutex<Option<CertificateDer<'static>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let found = pin_of(end_entity).map_err(|e| rustls::Error::General(e.to_string()))?;
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(end_entity.clone().into_owned());
        if bool::from(found.as_bytes().ct_eq(self.pin.as_bytes())) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("pin mismatch".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
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

/// The rustls configuration that trusts the key `pin` names, and nothing else.
fn pinned_config(pin: &str) -> Result<(Arc<ClientConfig>, Arc<Pinned>), PinError> {
    let provider = provider();
    let verifier = Arc::new(Pinned {
        pin: pin.to_owned(),
        seen: Mutex::new(None),
        provider: provider.clone(),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PinError::Unreachable(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    Ok((Arc::new(config), verifier))
}

/// The TLS layer of a pinned HTTP client: like ureq's own rustls connector, with the pinned
/// verifier in place of the certificate authorities.
#[derive(Debug)]
pub(crate) struct PinnedTls {
    config: Arc<ClientConfig>,
}

impl PinnedTls {
    pub(crate) fn new(pin: &str) -> Result<Self, PinError> {
        Ok(PinnedTls {
            config: pinned_config(pin)?.0,
        })
    }
}

impl<In: Transport> Connector<In> for PinnedTls {
    type Out = Either<In, PinnedTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details
            .uri
            .host()
            .ok_or(ureq::Error::Tls("the server address has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let name =
            ServerName::try_from(host).map_err(|_| ureq::Error::Tls("invalid server name"))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(PinnedTransport {
            buffers,
            stream: StreamOwned { conn, sock },
        })))
    }
}

pub(crate) struct PinnedTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for PinnedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinnedTransport")
    }
}

impl Transport for PinnedTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

/// Shakes hands with `host:port` and returns the server's certificate if its public key hashes
/// to `pin` and the server proved it holds that key (to say which pin a server has when it is
/// not the expected one).
pub fn fetch_pinned(
    host: &str,
    port: u16,
    pin: &str,
    timeout: Duration,
) -> Result<CertificateDer<'static>, PinError> {
    let unreachable = |e: &dyn std::fmt::Display| PinError::Unreachable(e.to_string());
    let (config, verifier) = pinned_config(pin)?;
    let name = ServerName::try_from(host.to_owned()).map_err(|e| unreachable(&e))?;
    let mut conn = ClientConnection::new(config, name).map_err(|e| unreachable(&e))?;
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| unreachable(&e))?
        .next()
        .ok_or_else(|| PinError::Unreachable(format!("{host} has no address")))?;
    let mut sock = TcpStream::connect_timeout(&addr, timeout).map_err(|e| unreachable(&e))?;
    sock.set_read_timeout(Some(timeout))
        .and_then(|()| sock.set_write_timeout(Some(timeout)))
        .map_err(|e| unreachable(&e))?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            let seen = verifier
                .seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            return Err(match seen {
                Some(cert) if e.kind() == ErrorKind::InvalidData => PinError::Mismatch {
                    found: pin_of(&cert)?,
                },
                _ => unreachable(&e),
            });
        }
    }
    conn.send_close_notify();
    let _ = conn.complete_io(&mut sock);
    verifier
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .ok_or_else(|| PinError::Unreachable("the server showed no certificate".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_checked_as_typed() {
        let pin = BASE64URL_NOPAD.encode(&[7u8; 32]);
        assert_eq!(parse_pin(&format!(" sha256/{pin} ")).unwrap(), pin);
        assert_eq!(parse_pin("abc"), Err(PinError::NotAPin));
        assert_eq!(
            parse_pin(&BASE64URL_NOPAD.encode(&[7u8; 31])),
            Err(PinError::NotAPin)
        );
        assert!(pin_of_pem(b"not a certificate").is_err());
    }
}
