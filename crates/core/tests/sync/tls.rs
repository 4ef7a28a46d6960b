//! A clinic's own sync server over HTTPS with a certificate no public authority signed: the
//! admin types its pin when connecting, the pin travels in the pairing code, and a desktop
//! trusts that key alone. A wrong pin, or no pin, is refused before anything is sent.

use std::path::Path;
use std::process::Command;

use tend_core::auth;
use tend_core::sync::{self, ConnectRequest, JoinRequest};
use tend_sync::local_server::{LocalServer, ServerOptions, TEST_ENROL_TOKEN};
use tend_sync::{Pairing, pin};

use crate::support::{database_url, env};

/// A self-signed certificate for localhost, as a clinic's IT would make one with openssl.
fn certificate(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    let done = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "30", "-subj", "/CN=Clinic sync server"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    (cert, key)
}

#[test]
fn a_pinned_server_certificate_is_trusted_alone_and_travels_in_the_pairing_code() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "server");
    let (other_cert, _) = certificate(dir.path(), "other");
    let server = LocalServer::start(
        &database_url(),
        ServerOptions {
            tls: Some((cert.clone(), key)),
            ..ServerOptions::default()
        },
    )
    .unwrap();
    let url = server.url();
    assert!(url.starts_with("https://"));
    let right = pin::pin_of_pem(&std::fs::read(&cert).unwrap()).unwrap();
    let wrong = pin::pin_of_pem(&std::fs::read(&other_cert).unwrap()).unwrap();

    let home = tempfile::tempdir().unwrap();
    let a = crate::support::new_clinic(home.path(), "Clínica Faro", "Reception").tend;
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    let request = |pin: Option<&'static str>| ConnectRequest {
        server: Box::leak(url.clone().into_boxed_str()),
        enrol_token: TEST_ENROL_TOKEN,
        pin,
        insecure_http: false,
    };

    // Without a pin the certificate is not trusted (no public authority signed it).
    let err = sync::connect_with(&a, &admin, &request(None)).unwrap_err();
    assert!(err.to_string().contains("cannot be reached"), "{err}");
    // A wrong pin is refused, naming what the server showed; nothing was enrolled.
    let wrong: &'static str = Box::leak(wrong.into_boxed_str());
    let err = sync::connect_with(&a, &admin, &request(Some(wrong))).unwrap_err();
    assert!(
        err.to_string().contains("does not match this clinic's pin"),
        "{err}"
    );
    assert!(err.to_string().contains(&right), "{err}");
    let err = sync::connect_with(&a, &admin, &request(Some("not a pin"))).unwrap_err();
    assert!(
        matches!(
            &err,
            tend_core::CoreError::Refused {
                field: Some("pin"),
                ..
            }
        ),
        "{err:?}"
    );
    // The right pin: connected, and syncing over TLS.
    let typed: &'static str = Box::leak(format!("sha256/{right}").into_boxed_str());
    let status = sync::connect_with(&a, &admin, &request(Some(typed))).unwrap();
    assert!(status.pinned && !status.insecure, "{status:?}");
    assert!(status.last_error.is_none(), "{status:?}");
    sync::sync_now(&a, |_| {}).unwrap();

    // The pairing code carries the pin; the new desktop trusts the same key, and syncs.
    let code = sync::pairing_code(&a, &admin).unwrap().code;
    assert_eq!(
        Pairing::decode(&code).unwrap().pin.as_deref(),
        Some(right.as_str())
    );
    let second = tempfile::tempdir().unwrap();
    let joined = sync::join(
        second.path(),
        &JoinRequest {
            pairing_code: &code,
            device_name: "Room 1",
            passphrase: "second desk passphrase",
        },
        env(),
        |_| {},
    )
    .unwrap();
    let admin_b = auth::sign_in(&joined.tend, "admin", "admin password 1").unwrap();
    assert!(sync::status(&joined.tend, &admin_b).unwrap().pinned);
    sync::sync_now(&joined.tend, |_| {}).unwrap();
}

#[test]
fn plain_http_off_this_computer_is_refused_before_anything_is_sent_unless_an_admin_allows_it() {
    let home = tempfile::tempdir().unwrap();
    let a = crate::support::new_clinic(home.path(), "Clínica Río", "Reception").tend;
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    // 192.0.2.1 is a documentation address: nothing answers there, so a refusal that names the
    // field came before any connection.
    let lan = "http://192.0.2.1:8443";
    let err = sync::connect(&a, &admin, lan, TEST_ENROL_TOKEN).unwrap_err();
    assert!(
        matches!(&err, tend_core::CoreError::Refused { code: "plain_http", field: Some("server"), words } if words.contains("insecure local network")),
        "{err:?}"
    );
    // Allowed, the request goes out (and here finds nobody).
    let err = sync::connect_with(
        &a,
        &admin,
        &ConnectRequest {
            server: lan,
            enrol_token: TEST_ENROL_TOKEN,
            pin: None,
            insecure_http: true,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("cannot be reached"), "{err}");

    // A desktop set up with plain http before this check says why it does not sync, and an
    // admin's allowing it is shown for as long as it lasts.
    a.store_unchecked()
        .set_sync_settings(&[
            (tend_store::sync::keys::SERVER, Some(lan)),
            (tend_store::sync::keys::TOKEN, Some("tnd_x")),
        ])
        .unwrap();
    let status = sync::status(&a, &admin).unwrap();
    assert!(
        status.problems.iter().any(|p| p.kind == "plain_http"),
        "{status:?}"
    );
    let err = sync::sync_now(&a, |_| {}).unwrap_err();
    assert!(err.to_string().contains("insecure local network"), "{err}");
    sync::allow_insecure_http(&a, &admin, true).unwrap();
    let status = sync::status(&a, &admin).unwrap();
    assert!(status.insecure, "{status:?}");
    assert!(!status.problems.iter().any(|p| p.kind == "plain_http"));
}
