//! Pairing codes and clinic keys, end to end with the real server: a used or expired code
//! reveals nothing, revoking a desktop changes the clinic key (and kills the codes it made), a
//! revoked desktop cannot open what is sealed after, history stays readable, and only manager
//! desktops pair, revoke or change the key.

use std::process::Command;

use tend_core::patients::{self, OnDuplicates};
use tend_core::sync::{self, JoinRequest, key_ring};
use tend_core::users::{self, NewUser};
use tend_core::{Session, Tend, auth};
use tend_domain::patients::PatientForm;
use tend_sync::local_server::{LocalServer, ServerOptions, TEST_ENROL_TOKEN};
use tend_sync::{Envelope, EnvelopeError, Pairing};

use crate::support::{database_url, env, shared_server};

/// A query against the sync server's own database, as its operator (or a thief of its disk)
/// would read it.
fn psql(sql: &str) -> String {
    let out = Command::new("psql")
        .arg(database_url())
        .args(["-tAc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct Desk {
    tend: Tend,
    admin: Session,
    clerk: Session,
    _dir: tempfile::TempDir,
}

fn first_desktop(server: &str) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let init = crate::support::new_clinic(dir.path(), "Clínica Mar", "Reception");
    let tend = init.tend;
    let admin = auth::sign_in(&tend, "admin", "admin password 1").unwrap();
    users::add(
        &tend,
        &admin,
        &NewUser {
            username: "rosa",
            display_name: "Rosa",
            roles: "receptionist",
            licence_number: "",
            password: "rosa password 1",
        },
    )
    .unwrap();
    let clerk = auth::sign_in(&tend, "rosa", "rosa password 1").unwrap();
    sync::connect(&tend, &admin, server, TEST_ENROL_TOKEN).unwrap();
    Desk {
        tend,
        admin,
        clerk,
        _dir: dir,
    }
}

fn join(code: &str, name: &str) -> Result<Desk, tend_core::CoreError> {
    let dir = tempfile::tempdir().unwrap();
    let joined = sync::join(
        dir.path(),
        &JoinRequest {
            pairing_code: code,
            device_name: name,
            passphrase: "another desk passphrase",
        },
        env(),
        |_| {},
    )?;
    let admin = auth::sign_in(&joined.tend, "admin", "admin password 1").unwrap();
    let clerk = auth::sign_in(&joined.tend, "rosa", "rosa password 1").unwrap();
    Ok(Desk {
        tend: joined.tend,
        admin,
        clerk,
        _dir: dir,
    })
}

fn register(d: &Desk, given: &str) {
    let n = given.bytes().map(u32::from).sum::<u32>() % 28 + 1;
    let form = PatientForm {
        given_name: given.into(),
        family_name: "Llave".into(),
        birth_date: format!("19{:02}-06-{n:02}", 50 + n),
        phones: vec![format!("600 000 {n:03}")],
        ..Default::default()
    };
    patients::register(&d.tend, &d.clerk, &form, OnDuplicates::Refuse).unwrap();
}

fn names(d: &Desk) -> Vec<String> {
    let mut found: Vec<String> = patients::search(&d.tend, &d.clerk, "Llave", 50)
        .unwrap()
        .into_iter()
        .map(|p| p.display_name)
        .collect();
    found.sort();
    found
}

fn clinic_id(d: &Desk) -> String {
    d.tend
        .store_unchecked()
        .read(|r| r.clinic())
        .unwrap()
        .id
        .to_string()
}

/// The envelopes the server holds for the clinic after `cursor`, as stored.
fn envelopes_after(d: &Desk, cursor: u64) -> Vec<Envelope> {
    psql(&format!(
        "SELECT envelope FROM change WHERE clinic_id = '{}' AND cursor > {cursor} ORDER BY cursor",
        clinic_id(d)
    ))
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect()
}

fn head(d: &Desk) -> u64 {
    psql(&format!(
        "SELECT COALESCE(max(cursor), 0) FROM change WHERE clinic_id = '{}'",
        clinic_id(d)
    ))
    .parse()
    .unwrap()
}

fn wrapped_keys_held(d: &Desk) -> u64 {
    psql(&format!(
        "SELECT count(*) FROM pairing WHERE clinic_id = '{}' AND wrapped_keys IS NOT NULL",
        clinic_id(d)
    ))
    .parse()
    .unwrap()
}

#[test]
fn a_used_or_expired_pairing_code_reveals_nothing() {
    let server = LocalServer::start(
        &database_url(),
        ServerOptions {
            pairing_ttl_secs: 2,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    let a = first_desktop(&server.url());
    register(&a, "Antes");
    sync::sync_now(&a.tend, |_| {}).unwrap();

    // The code carries no key: only a secret, which the server never receives.
    let code = sync::pairing_code(&a.tend, &a.admin).unwrap().code;
    let pairing = Pairing::decode(&code).unwrap();
    let ring = key_ring(a.tend.store_unchecked()).unwrap();
    for key in ring.iter() {
        let hex = data_encoding::HEXLOWER.encode(key.as_bytes());
        assert!(!psql("SELECT string_agg(wrapped_keys, '') FROM pairing").contains(&hex));
    }
    assert_eq!(wrapped_keys_held(&a), 1);
    // What the server holds opens with the code's secret (and only with it) until it is used.
    let held = psql(&format!(
        "SELECT wrapped_keys FROM pairing WHERE clinic_id = '{}' AND wrapped_keys IS NOT NULL",
        clinic_id(&a)
    ));
    let clinic = pairing.clinic_id;
    assert_eq!(
        tend_sync::keys::unwrap_ring(&pairing.secret, clinic, &held).unwrap(),
        ring
    );

    // Used: the new desktop has the clinic, and the server no longer holds the wrapped keys.
    let b = join(&code, "Room 1").unwrap();
    assert_eq!(names(&b), vec!["Antes Llave"]);
    assert_eq!(
        wrapped_keys_held(&a),
        0,
        "deleted once the new desktop said hello"
    );
    // Whoever finds the code later gets nothing: the server refuses the token, and nothing it
    // holds opens with the secret.
    let again = join(&code, "Thief").err().unwrap();
    assert!(again.to_string().contains("already used"), "{again}");

    // Expired: refused, and its wrapped keys are gone from the server.
    let late = sync::pairing_code(&a.tend, &a.admin).unwrap().code;
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let err = join(&late, "Late").err().unwrap();
    assert!(err.to_string().contains("expired"), "{err}");
    // (The server deletes expired pairings every 30 s, and whenever a code is made.)
    let _ = sync::pairing_code(&a.tend, &a.admin).unwrap();
    let late_token = Pairing::decode(&late).unwrap().token;
    let hash = {
        use sha2::Digest;
        data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(late_token.as_bytes()))
    };
    assert_eq!(
        psql(&format!(
            "SELECT count(*) FROM pairing WHERE token_hash = decode('{hash}', 'hex')"
        )),
        "0"
    );
}

#[test]
fn revoking_a_desktop_changes_the_clinic_key_and_it_cannot_open_what_follows() {
    let server = shared_server();
    let a = first_desktop(&server);
    register(&a, "Uno");
    let b = join(
        &sync::pairing_code(&a.tend, &a.admin).unwrap().code,
        "Room 1",
    )
    .unwrap();
    let c = join(
        &sync::pairing_code(&a.tend, &a.admin).unwrap().code,
        "Laptop",
    )
    .unwrap();
    for d in [&a, &b, &c] {
        sync::sync_now(&d.tend, |_| {}).unwrap();
    }
    let stolen = key_ring(c.tend.store_unchecked()).unwrap();
    let laptop = c.tend.store_unchecked().identity().device_id.to_string();

    // Only manager desktops pair or revoke: the enrolling one, and those an admin allows.
    let err = sync::pairing_code(&b.tend, &b.admin).unwrap_err();
    assert!(err.to_string().contains("only a desktop allowed"), "{err}");
    let err = sync::revoke(&b.tend, &b.admin, &laptop).unwrap_err();
    assert!(err.to_string().contains("only a desktop allowed"), "{err}");

    // The laptop is stolen: the admin revokes it, which changes the clinic key. A change made
    // before, not yet sent, goes out under the new key too.
    register(&a, "Pendiente");
    let revoked_at = head(&a);
    sync::revoke(&a.tend, &a.admin, &laptop).unwrap();
    let status = sync::status(&a.tend, &a.admin).unwrap();
    assert!(
        !status.problems.iter().any(|p| p.kind == "key_change"),
        "{status:?}"
    );
    let ring_a = key_ring(a.tend.store_unchecked()).unwrap();
    assert_eq!(ring_a.newest().unwrap().epoch(), 1);
    register(&a, "Dos");
    sync::sync_now(&a.tend, |_| {}).unwrap();
    // The desktop still in the clinic receives the new key and reads everything.
    sync::sync_now(&b.tend, |_| {}).unwrap();
    assert_eq!(names(&b), vec!["Dos Llave", "Pendiente Llave", "Uno Llave"]);
    assert_eq!(
        key_ring(b.tend.store_unchecked())
            .unwrap()
            .newest()
            .unwrap()
            .epoch(),
        1
    );

    // What was sealed after the revocation does not open with every key the laptop held, even
    // for a thief who also reads the server's disk; the desktops still in the clinic open it.
    let after = envelopes_after(&a, revoked_at);
    assert!(after.len() >= 2, "{}", after.len());
    let ring_b = key_ring(b.tend.store_unchecked()).unwrap();
    let clinic = a
        .tend
        .store_unchecked()
        .read(|r| r.clinic())
        .unwrap()
        .id
        .as_uuid();
    for env in &after {
        let err = stolen.open(clinic, env).unwrap_err();
        assert!(matches!(err, EnvelopeError::UnknownKey { .. }), "{err:?}");
        ring_b.open(clinic, env).unwrap();
    }
    // Nor can it fetch anything: its token is dead.
    let err = sync::sync_now(&c.tend, |_| {}).unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");

    // A desktop allowed to manage can pair; the codes it made die when it is revoked.
    let rooms = b.tend.store_unchecked().identity().device_id.to_string();
    sync::allow_managing(&a.tend, &a.admin, &rooms).unwrap();
    let from_b = sync::pairing_code(&b.tend, &b.admin).unwrap().code;
    let d = join(
        &sync::pairing_code(&a.tend, &a.admin).unwrap().code,
        "Room 2",
    )
    .unwrap();
    sync::revoke(&a.tend, &a.admin, &rooms).unwrap();
    let err = join(&from_b, "Room 3").err().unwrap();
    assert!(err.to_string().contains("already used or expired"), "{err}");

    // A desktop that joined after the first change reads the whole history; after the second
    // change (revoking the room) it receives the key by grant.
    sync::sync_now(&a.tend, |_| {}).unwrap();
    sync::sync_now(&d.tend, |_| {}).unwrap();
    register(&a, "Tres");
    sync::sync_now(&a.tend, |_| {}).unwrap();
    sync::sync_now(&d.tend, |_| {}).unwrap();
    assert_eq!(
        names(&d),
        vec!["Dos Llave", "Pendiente Llave", "Tres Llave", "Uno Llave"]
    );
    assert_eq!(
        key_ring(d.tend.store_unchecked())
            .unwrap()
            .newest()
            .unwrap()
            .epoch(),
        2
    );

    // An admin can change the key at any time; new changes are sealed under the newest.
    let rotated = sync::rotate_key(&a.tend, &a.admin).unwrap();
    assert_eq!(rotated.epoch, 3);
    register(&d, "Cuatro");
    sync::sync_now(&d.tend, |_| {}).unwrap();
    sync::sync_now(&a.tend, |_| {}).unwrap();
    let newest = key_ring(a.tend.store_unchecked())
        .unwrap()
        .newest()
        .unwrap()
        .id();
    assert_eq!(envelopes_after(&a, head(&a) - 1)[0].key_id, newest);
    assert_eq!(names(&a), names(&d));
    assert_eq!(names(&a).len(), 5);
}
