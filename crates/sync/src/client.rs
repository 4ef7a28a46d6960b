//! The desktop's HTTP client for protocol v1 (blocking; sync runs on its own thread).

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::Agent;
use ureq::tls::TlsConfig;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{Connector, TcpConnector};
use uuid::Uuid;

use crate::protocol::{
    AnnounceRequest, DeviceId, Devices, EnrolRequest, ErrorBody, GrantRequest, Grants, Hello,
    MissingGrants, PairingRequest, PairingToken, PullRequest, PullResponse, PushRequest,
    PushResponse, RegisterRequest, Registered, RotateRequest, VERSION,
};

/// The most a response body may hold: a full page of the largest changes, with room.
const MAX_RESPONSE_BYTES: u64 = 64 << 20;

/// Why talking to the server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached or the connection broke: try again later.
    #[error("the sync server cannot be reached ({0})")]
    Unreachable(String),
    /// The server answered with a refusal.
    #[error("the sync server refused: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the sync server's answer could not be read: {0}")]
    BadAnswer(String),
}

impl ClientError {
    /// Worth retrying later without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable(_) => true,
            ClientError::Refused { status, .. } => *status == 429 || *status >= 500,
            ClientError::BadAnswer(_) => false,
        }
    }
}

/// What the sync engine needs from the server. [`HttpClient`] is the real one; tests wrap it to
/// drop, repeat and delay messages.
pub trait Transport {
    fn hello(&self) -> Result<Hello, ClientError>;
    fn push(&self, req: &PushRequest) -> Result<PushResponse, ClientError>;
    fn pull(&self, req: &PullRequest) -> Result<PullResponse, ClientError>;
    /// The clinic keys granted to this device since it joined. A transport that cannot ask
    /// has none.
    fn grants(&self) -> Result<Grants, ClientError> {
        Ok(Grants::default())
    }
}

/// A connection to one sync server, as one device (or, before it has a token, as nobody).
#[derive(Clone)]
pub struct HttpClient {
    base: String,
    token: Option<String>,
    agent: Agent,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client that trusts the public certificate authorities (or speaks plain http, where the
    /// desktop allowed it).
    pub fn new(base_url: &str, token: Option<String>) -> Self {
        Self::with_tls(base_url, token, TlsConfig::default())
    }

    fn with_tls(base_url: &str, token: Option<String>, tls: TlsConfig) -> Self {
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .timeout_connect(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .into();
        HttpClient {
            base: base_url.trim_end_matches('/').to_owned(),
            token,
            agent,
        }
    }

    /// A client for a server with the clinic's own certificate: every connection checks that
    /// the server's public key is the one `pin` names (see [`crate::pin`]), and nothing else is
    /// trusted. A server that shows another key is named by its pin, and nothing is sent.
    pub fn pinned(base_url: &str, token: Option<String>, pin: &str) -> Result<Self, ClientError> {
        let uri: ureq::http::Uri = base_url
            .parse()
            .map_err(|_| ClientError::Unreachable("the server address is not valid".into()))?;
        if uri.scheme_str() != Some("https") {
            return Err(ClientError::Unreachable(
                "a pinned certificate needs an https:// server address".into(),
            ));
        }
        let host = uri
            .host()
            .ok_or_else(|| ClientError::Unreachable("the server address has no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(443);
        // Asked first, so a server with another key is refused in words naming its pin.
        crate::pin::fetch_pinned(&host, port, pin, Duration::from_secs(5)).map_err(
            |e| match e {
                crate::pin::PinError::Unreachable(why) => ClientError::Unreachable(why),
                other => ClientError::Refused {
                    status: 0,
                    code: "pin".into(),
                    message: other.to_string(),
                },
            },
        )?;
        let tls =
            crate::pin::PinnedTls::new(pin).map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let config = Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .timeout_connect(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build();
        let connector = TcpConnector::default().chain(tls);
        let agent = Agent::with_parts(config, connector, DefaultResolver::default());
        Ok(HttpClient {
            base: base_url.trim_end_matches('/').to_owned(),
            token,
            agent,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn finish<T: DeserializeOwned>(
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, ClientError> {
        let mut resp = result.map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::BadAnswer(e.to_string()));
        }
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(b) => (b.error, b.message),
            Err(_) => (
                "http".to_owned(),
                format!("HTTP status {status} with no explanation"),
            ),
        };
        Err(ClientError::Refused {
            status,
            code,
            message,
        })
    }

    fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &B,
    ) -> Result<T, ClientError> {
        let mut req = self.agent.post(&self.url(path));
        if let Some(token) = bearer {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        Self::finish(req.send_json(body))
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let mut req = self.agent.get(&self.url(path));
        if let Some(token) = &self.token {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        Self::finish(req.call())
    }

    /// Whether the server answers its health check.
    pub fn health(&self) -> Result<(), ClientError> {
        self.get::<serde_json::Value>("/health").map(|_| ())
    }

    /// Enrols a clinic with the server's enrolment token; this device becomes its first.
    pub fn enrol(
        &self,
        enrol_token: &str,
        clinic_id: Uuid,
        key_id: String,
        device_id: DeviceId,
        code: String,
    ) -> Result<Registered, ClientError> {
        let req = EnrolRequest {
            v: VERSION,
            clinic_id,
            key_id,
            device_id,
            code,
        };
        self.post("/v1/clinics", Some(enrol_token), &req)
    }

    /// Registers a new device with a one-time pairing token.
    pub fn register(
        &self,
        pairing_token: &str,
        device_id: DeviceId,
        code: String,
    ) -> Result<Registered, ClientError> {
        let req = RegisterRequest {
            v: VERSION,
            pairing_token: pairing_token.to_owned(),
            device_id,
            code,
        };
        self.post("/v1/register", None, &req)
    }

    /// Comes back after a restore from a backup as a new device succeeding this one; the
    /// answer carries the new device's token (this client's token stops working).
    pub fn announce(&self, device_id: DeviceId, code: String) -> Result<Registered, ClientError> {
        let req = AnnounceRequest {
            v: VERSION,
            device_id,
            code,
        };
        self.post("/v1/announce", self.token.as_deref(), &req)
    }

    /// A one-time token for pairing another desktop, leaving the clinic keys wrapped under the
    /// code's secret.
    pub fn pairing(&self, wrapped_keys: String) -> Result<PairingToken, ClientError> {
        let req = PairingRequest {
            v: VERSION,
            wrapped_keys,
        };
        self.post("/v1/pairings", self.token.as_deref(), &req)
    }

    /// Makes the clinic's next key current at the server, with each desktop's grant.
    pub fn rotate(&self, req: &RotateRequest) -> Result<(), ClientError> {
        self.post::<_, serde_json::Value>("/v1/keys", self.token.as_deref(), req)
            .map(drop)
    }

    /// Grants of the current key for desktops that lack one.
    pub fn add_grants(&self, req: &GrantRequest) -> Result<(), ClientError> {
        self.post::<_, serde_json::Value>("/v1/keys/grants", self.token.as_deref(), req)
            .map(drop)
    }

    /// The clinic's desktops without a grant of the current key.
    pub fn missing_grants(&self) -> Result<MissingGrants, ClientError> {
        self.get("/v1/keys/missing")
    }

    /// Lets another desktop pair desktops, revoke them and change the clinic key.
    pub fn make_manager(&self, device: DeviceId) -> Result<(), ClientError> {
        self.post::<_, serde_json::Value>(
            &format!("/v1/devices/{device}/manager"),
            self.token.as_deref(),
            &serde_json::json!({ "v": VERSION }),
        )
        .map(drop)
    }

    pub fn devices(&self) -> Result<Devices, ClientError> {
        self.get("/v1/devices")
    }

    pub fn revoke(&self, device: DeviceId) -> Result<(), ClientError> {
        let mut req = self
            .agent
            .post(&self.url(&format!("/v1/devices/{device}/revoke")));
        if let Some(token) = &self.token {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        let mut resp = req
            .send_empty()
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let bytes = resp.body_mut().read_to_vec().unwrap_or_default();
        let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        Err(ClientError::Refused {
            status,
            code: body.as_ref().map_or("http".into(), |b| b.error.clone()),
            message: body.map_or(format!("HTTP status {status}"), |b| b.message),
        })
    }
}

impl Transport for HttpClient {
    fn hello(&self) -> Result<Hello, ClientError> {
        self.get("/v1/hello")
    }

    fn push(&self, req: &PushRequest) -> Result<PushResponse, ClientError> {
        self.post("/v1/push", self.token.as_deref(), req)
    }

    fn pull(&self, req: &PullRequest) -> Result<PullResponse, ClientError> {
        self.post("/v1/pull", self.token.as_deref(), req)
    }

    fn grants(&self) -> Result<Grants, ClientError> {
        self.get("/v1/keys/grants")
    }
}
