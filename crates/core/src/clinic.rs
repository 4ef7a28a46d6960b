//! Creating a clinic and opening it: key slots, the OS keyring copy, the first admin.

use std::path::Path;

use data_encoding::BASE64;
use serde_json::json;
use tend_domain::chart::UnitSystem;
use tend_domain::clinic::{Letterhead, Paper, parse_currency, parse_timezone};
use tend_domain::error::required_text;
use tend_domain::user::{check_passphrase, check_password, parse_display_name};
use tend_domain::words;
use tend_domain::{
    Action, ClinicId, ClinicSettings, DatabaseId, DeviceCode, DeviceId, Entity, Fields, Role,
    Roles, User, UserId, Username, ValidationError, Value,
};
use tend_store::key::random_bytes;
use tend_store::{
    AuditEntry, DataPaths, DbKey, Identity, KdfParams, KeySlots, Outcome, RecoveryKey, Secret,
    Store, StoreError, UserRecord, WriteCtx, local_keys,
};
use zeroize::Zeroizing;

use crate::api::{ClinicDto, DeskDto, SessionDto, UserDto};
use crate::{CoreError, Environment, Result, Session, Tend, auth};

/// Everything the set-up asks for.
#[derive(Debug, Clone, Copy)]
pub struct InitRequest<'a> {
    pub clinic_name: &'a str,
    pub timezone: &'a str,
    pub currency: &'a str,
    pub device_name: &'a str,
    pub admin_username: &'a str,
    pub admin_display_name: &'a str,
    pub admin_password: &'a str,
    pub passphrase: &'a str,
    /// `metric` or `us`: how vital signs are typed and shown.
    pub units: &'a str,
}

#[derive(Debug)]
pub struct Initialized {
    pub tend: Tend,
    pub admin: UserDto,
    /// Shown once, to be printed and kept somewhere safe.
    pub recovery_key: Zeroizing<String>,
    /// Whether the OS keyring took a copy of the database key.
    pub keyring_saved: bool,
}

fn fields(pairs: Vec<(&str, Value)>) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Creates a clinic in `dir`: the database key and its slots, the clinic, this device and the
/// first admin, all or nothing.
pub fn init(dir: &Path, req: &InitRequest<'_>, env: Environment) -> Result<Initialized> {
    let settings = ClinicSettings::parse(req.clinic_name, req.timezone, req.currency)?;
    let units: UnitSystem = req.units.parse()?;
    let device_name = required_text("device_name", req.device_name, 60)?;
    let username = Username::parse(req.admin_username)?;
    let display_name = parse_display_name(req.admin_display_name)?;
    check_password(&username, req.admin_password)?;
    check_passphrase(req.passphrase)?;
    if req.passphrase == req.admin_password {
        return Err(CoreError::refused(
            "passphrase_same_as_password",
            Some("passphrase"),
            "the clinic passphrase must differ from the admin's password",
        ));
    }
    let paths = DataPaths::new(dir);
    if paths.exists() {
        return Err(StoreError::AlreadyExists(dir.to_owned()).into());
    }

    let password_hash = auth::hash_password(req.admin_password)?;
    let identity = Identity {
        database_id: DatabaseId::new(),
        device_id: DeviceId::new(),
        device_code: DeviceCode::from_random(random_bytes()?),
    };
    let (key, recovery) = new_key_slots(&paths, identity.database_id, req.passphrase)?;

    let admin = User {
        id: UserId::new(),
        username,
        display_name,
        roles: Roles::empty().with(Role::Admin),
        licence_number: None,
        disabled: false,
        locked: false,
    };
    let record = UserRecord {
        user: admin.clone(),
        password_hash,
    };
    let now = env.clock.now();
    let (store, ()) = Store::create(&paths, &key, identity, WriteCtx { user: None, now }, |tx| {
        tx.create(
            Entity::Clinic,
            ClinicId::new(),
            fields(vec![
                ("name", settings.name.clone().into()),
                ("timezone", settings.timezone.name().into()),
                ("currency", settings.currency.code().into()),
                ("units", units.as_str().into()),
            ]),
        )?;
        tx.create(
            Entity::Device,
            identity.device_id,
            fields(vec![
                ("code", identity.device_code.to_string().into()),
                ("name", device_name.clone().into()),
            ]),
        )?;
        tx.audit(
            AuditEntry::new("clinic.create", Outcome::Ok)
                .detail(json!({ "device_code": identity.device_code.to_string() })),
        )?;
        tx.create(Entity::User, admin.id, record.fields())?;
        tx.audit(
            AuditEntry::new("user.create", Outcome::Ok)
                .record(Entity::User, admin.id)
                .detail(json!({ "username": admin.username.as_str(), "roles": "admin" })),
        )
    })
    .map_err(CoreError::from)?;

    let keyring_saved = match env.keyring.set(identity.database_id, &key) {
        Ok(()) => true,
        Err(e) => {
            tracing::info!(reason = %e, "the OS keyring did not take the database key");
            false
        }
    };
    Ok(Initialized {
        admin: UserDto::from(&admin),
        tend: Tend::new(store, env),
        recovery_key: recovery.display(),
        keyring_saved,
    })
}

/// A new database key and recovery key, and the key slots that hold them, written beside where
/// the database will be. The key slots are written first: a database never exists without
/// them. A crash before the database appears leaves only a key-slot file, which the next set-up
/// (or join) replaces.
pub(crate) fn new_key_slots(
    paths: &DataPaths,
    database_id: DatabaseId,
    passphrase: &str,
) -> Result<(DbKey, RecoveryKey)> {
    let key = DbKey::generate()?;
    let recovery = RecoveryKey::generate()?;
    KeySlots::new(database_id, &key, passphrase, &recovery, KdfParams::CLINIC)?
        .write(&paths.keys())?;
    Ok((key, recovery))
}

/// How to unlock the database key.
#[derive(Debug, Clone, Copy)]
pub enum Unlock<'a> {
    /// The copy in the OS keyring; fails with `passphrase_needed` when there is none.
    Keyring,
    Passphrase(&'a str),
    RecoveryKey(&'a str),
}

/// Reads the key slots of the clinic in `dir`.
pub(crate) fn key_slots(paths: &DataPaths) -> Result<KeySlots> {
    if !paths.exists() {
        return Err(StoreError::NoDatabase(paths.dir().to_owned()).into());
    }
    if !paths.keys().is_file() {
        return Err(CoreError::refused(
            "key_slots_missing",
            None,
            words!(
                "the key-slot file tend.keys is missing from {paths}; restore it from a backup",
                paths = paths.dir().display()
            ),
        ));
    }
    Ok(KeySlots::read(&paths.keys())?)
}

/// Finds the database key for `unlock` without opening the database.
pub(crate) fn unlock_key(
    paths: &DataPaths,
    unlock: Unlock<'_>,
    env: &Environment,
) -> Result<DbKey> {
    let slots = key_slots(paths)?;
    match unlock {
        Unlock::Keyring => match env.keyring.get(slots.database_id()) {
            Ok(Some(key)) => Ok(key),
            Ok(None) => Err(passphrase_needed(
                "the OS keyring holds no key for this clinic",
            )),
            Err(e) => {
                tracing::info!(reason = %e, "the OS keyring is not available");
                Err(passphrase_needed("the OS keyring is not available"))
            }
        },
        Unlock::Passphrase(p) => Ok(slots.unlock(Secret::Passphrase(p))?),
        Unlock::RecoveryKey(text) => {
            let recovery = RecoveryKey::parse(text).map_err(|reason| {
                CoreError::refused("bad_recovery_key", Some("recovery_key"), reason)
            })?;
            Ok(slots.unlock(Secret::Recovery(&recovery))?)
        }
    }
}

fn passphrase_needed(reason: &str) -> CoreError {
    CoreError::PassphraseNeeded {
        reason: reason.to_owned(),
    }
}

/// Opens the clinic in `dir`. After a passphrase or recovery-key unlock, the key is copied to
/// the OS keyring when one answers, so next time the desktop opens without typing.
pub fn open(dir: &Path, unlock: Unlock<'_>, env: Environment) -> Result<Tend> {
    let paths = DataPaths::new(dir);
    let key = unlock_key(&paths, unlock, &env)?;
    let store = match Store::open(&paths, &key) {
        // A keyring copy of another (or an older, replaced) database: ask for the passphrase.
        Err(StoreError::NotADatabase) if matches!(unlock, Unlock::Keyring) => {
            return Err(passphrase_needed(
                "the key in the OS keyring does not open this clinic",
            ));
        }
        // The key slot proved the key right, so a database that will not read is damaged.
        Err(e) if tend_store::backup::is_damage(&e) => {
            tracing::error!(error = %e, "the database cannot be read");
            return Err(CoreError::Damaged);
        }
        other => other?,
    };
    // A restore that stopped before the new desktop's record was written finishes here.
    crate::sync::ensure_device_record(&store, env.clock.now())?;
    let keyring_off = store.sync_setting(local_keys::KEYRING_OFF)?.is_some();
    if !matches!(unlock, Unlock::Keyring) && !keyring_off {
        remember_key(&env, store.identity().database_id, &key);
    }
    Ok(Tend::new(store, env))
}

/// Whether this desktop keeps its database key in the OS keyring (so it opens without the
/// passphrase). Anyone signed in to the same OS account can read that copy: a clinic whose
/// staff share one OS login turns it off, and the passphrase is then asked at every opening.
/// Admins only; the copy already there is deleted at once.
pub fn set_keyring(tend: &Tend, session: &Session, keep: bool) -> Result<ClinicDto> {
    tend.authorize(session, Action::ClinicSettingsEdit)?;
    let database_id = tend.store().identity().database_id;
    tend.store()
        .set_sync_settings(&[(local_keys::KEYRING_OFF, (!keep).then_some("1"))])?;
    if keep {
        remember_key(&tend.env, database_id, tend.store().key());
    } else if let Err(e) = tend.env.keyring.delete(database_id) {
        tracing::info!(reason = %e, "no OS keyring to delete the key from");
    }
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(AuditEntry::new("clinic.keyring", Outcome::Ok).detail(json!({ "keep": keep })))
        })?;
    settings_dto(tend)
}

pub(crate) fn remember_key(env: &Environment, database_id: DatabaseId, key: &DbKey) {
    match env.keyring.get(database_id) {
        Ok(Some(existing)) if &existing == key => {}
        Ok(_) => {
            if let Err(e) = env.keyring.set(database_id, key) {
                tracing::info!(reason = %e, "the OS keyring did not take the database key");
            }
        }
        Err(e) => tracing::debug!(reason = %e, "no OS keyring"),
    }
}

/// The clinic's settings and this device's code.
pub fn settings(tend: &Tend, session: &Session) -> Result<ClinicDto> {
    tend.authorize(session, Action::ClinicSettingsView)?;
    settings_dto(tend)
}

fn settings_dto(tend: &Tend) -> Result<ClinicDto> {
    let clinic = tend.store().read(|r| r.clinic())?;
    // Validate what is stored, so a damaged value is reported rather than shown.
    parse_timezone(&clinic.timezone)?;
    let locale = if clinic.locale.is_empty() {
        tend_domain::Locale::for_currency(parse_currency(&clinic.currency)?)
    } else {
        clinic.locale.parse()?
    };
    Ok(ClinicDto {
        name: clinic.name,
        timezone: clinic.timezone,
        currency: clinic.currency,
        units: clinic.units,
        device_code: tend.store().identity().device_code.to_string(),
        schema_version: tend_store::schema_version(),
        address: clinic.address,
        phone: clinic.phone,
        registration: clinic.registration,
        paper: clinic.paper,
        has_logo: clinic.logo.is_some(),
        locale: locale.to_string(),
        tax_id: clinic.tax_id,
        keyring: tend
            .store()
            .sync_setting(local_keys::KEYRING_OFF)?
            .is_none(),
        invoice_footer: clinic.invoice_footer,
        idle_lock_minutes: clinic.idle_lock_minutes,
        break_glass_minutes: clinic.break_glass_minutes,
    })
}

/// What the desktop needs after sign-in. Open to every signed-in user: it holds no patient data.
pub fn desk(tend: &Tend, session: &Session) -> Result<DeskDto> {
    tend.authorize(session, Action::OwnPasswordChange)?;
    let clinic = settings_dto(tend)?;
    let can = tend_domain::permission::TABLE
        .iter()
        .filter(|(action, _)| session.roles().can(*action))
        .map(|(action, _)| action.as_str())
        .collect();
    let admin = session.roles().can(Action::AuditReview);
    Ok(DeskDto {
        user: SessionDto::from(session),
        can,
        clinic_name: clinic.name,
        timezone: clinic.timezone,
        currency: clinic.currency,
        groups_four_digits: clinic
            .locale
            .parse::<tend_domain::Locale>()
            .is_ok_and(|l| l.groups_four_digits()),
        locale: clinic.locale,
        units: clinic.units,
        today: tend.today()?.to_string(),
        device_code: clinic.device_code,
        idle_lock_minutes: clinic.idle_lock_minutes,
        break_glass_minutes: clinic.break_glass_minutes,
        audit_warning: tend.audit_warning().filter(|_| admin),
    })
}

/// The longest a desktop may stay open untouched, in minutes.
pub const MAX_IDLE_LOCK_MINUTES: i64 = 240;

/// A number of minutes as an admin typed it, within `range`, or an error naming `field`.
fn whole_minutes(
    field: &'static str,
    typed: &str,
    range: std::ops::RangeInclusive<i64>,
) -> std::result::Result<i64, ValidationError> {
    typed
        .trim()
        .parse()
        .ok()
        .filter(|m| range.contains(m))
        .ok_or_else(|| {
            ValidationError::new(
                field,
                words!(
                    "must be a whole number of minutes from {min} to {max}",
                    min = range.start(),
                    max = range.end()
                ),
            )
        })
}

/// An admin sets how many minutes a desktop may sit untouched before it locks.
pub fn set_idle_lock(tend: &Tend, session: &Session, minutes: &str) -> Result<ClinicDto> {
    tend.authorize(session, Action::ClinicSettingsEdit)?;
    let minutes = whole_minutes("idle_lock_minutes", minutes, 1..=MAX_IDLE_LOCK_MINUTES)?;
    edit_clinic(
        tend,
        session,
        "clinic.idle_lock",
        vec![("idle_lock_minutes", minutes.into())],
        json!({ "idle_lock_minutes": minutes }),
    )
}

/// The shortest and longest a break-glass opening may last, in minutes: long enough to deal with
/// an emergency, never a standing permission.
pub const BREAK_GLASS_MINUTES: std::ops::RangeInclusive<i64> = 5..=480;

/// An admin sets how long a break-glass opening of a chart lasts.
pub fn set_break_glass(tend: &Tend, session: &Session, minutes: &str) -> Result<ClinicDto> {
    tend.authorize(session, Action::ClinicSettingsEdit)?;
    let minutes = whole_minutes("break_glass_minutes", minutes, BREAK_GLASS_MINUTES)?;
    edit_clinic(
        tend,
        session,
        "clinic.break_glass",
        vec![("break_glass_minutes", minutes.into())],
        json!({ "break_glass_minutes": minutes }),
    )
}

/// The clinic settings form.
#[derive(Debug, Clone, Copy)]
pub struct SettingsForm<'a> {
    pub name: &'a str,
    pub timezone: &'a str,
    pub currency: &'a str,
    /// `metric` or `us`.
    pub units: &'a str,
}

/// An admin changes the clinic's name, time zone, currency or units.
pub fn update_settings(
    tend: &Tend,
    session: &Session,
    form: &SettingsForm<'_>,
) -> Result<ClinicDto> {
    tend.authorize(session, Action::ClinicSettingsEdit)?;
    let settings = ClinicSettings::parse(form.name, form.timezone, form.currency)?;
    let units: UnitSystem = form.units.parse()?;
    let current = tend.store().read(|r| r.clinic())?;
    if current.currency != settings.currency.code() && tend.store().read(|r| r.has_invoices())? {
        return Err(CoreError::refused(
            "currency_in_use",
            Some("currency"),
            words!(
                "the clinic has invoices in {currency}; its currency cannot change",
                currency = current.currency
            ),
        ));
    }
    edit_clinic(
        tend,
        session,
        "clinic.update",
        vec![
            ("name", settings.name.clone().into()),
            ("timezone", settings.timezone.name().into()),
            ("currency", settings.currency.code().into()),
            ("units", units.as_str().into()),
        ],
        serde_json::Value::Null,
    )
}

/// Writes changed clinic fields and, when anything changed, the audit entry `action`; then the
/// settings as they now are. The one write path for every clinic setting.
fn edit_clinic(
    tend: &Tend,
    session: &Session,
    action: &'static str,
    changes: Vec<(&str, Value)>,
    detail: serde_json::Value,
) -> Result<ClinicDto> {
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            let clinic = tx.read().clinic()?;
            if tx
                .update(Entity::Clinic, clinic.id, fields(changes))?
                .is_some()
            {
                let mut entry =
                    AuditEntry::new(action, Outcome::Ok).record(Entity::Clinic, clinic.id);
                if !detail.is_null() {
                    entry = entry.detail(detail);
                }
                tx.audit(entry)?;
            }
            Ok::<_, CoreError>(())
        })?;
    settings_dto(tend)
}

/// How invoices print: the locale amounts and dates are written in, the tax number, and the
/// footer (payment terms, bank details).
#[derive(Debug, Clone, Copy)]
pub struct BillingSettingsForm<'a> {
    /// `es-ES`, `en-US`…
    pub locale: &'a str,
    pub tax_id: &'a str,
    pub invoice_footer: &'a str,
}

/// An admin sets how invoices, receipts and statements print.
pub fn update_billing_settings(
    tend: &Tend,
    session: &Session,
    form: &BillingSettingsForm<'_>,
) -> Result<ClinicDto> {
    tend.authorize(session, Action::ClinicSettingsEdit)?;
    let locale: tend_domain::Locale = form.locale.parse()?;
    let tax_id = tend_domain::error::optional_text("tax_id", form.tax_id, 40)?.unwrap_or_default();
    let footer = form.invoice_footer.trim();
    if footer.chars().count() > 600 {
        return Err(ValidationError::new("invoice_footer", "is longer than 600 characters").into());
    }
    edit_clinic(
        tend,
        session,
        "clinic.billing",
        vec![
            ("locale", locale.as_str().into()),
            ("tax_id", tax_id.into()),
            ("invoice_footer", footer.into()),
        ],
        serde_json::Value::Null,
    )
}

/// The letterhead form: every field as the admin leaves it.
#[derive(Debug, Clone, Copy)]
pub struct LetterheadForm<'a> {
    /// One line per line printed.
    pub address: &'a str,
    pub phone: &'a str,
    pub registration: &'a str,
    /// `a4`, `letter` or `a5`.
    pub paper: &'a str,
}

/// An admin sets what documents print at their head, and the paper they print on.
pub fn update_letterhead(
    tend: &Tend,
    session: &Session,
    form: &LetterheadForm<'_>,
) -> Result<ClinicDto> {
    tend.authorize(session, Action::ClinicSettingsEdit)?;
    let head = Letterhead::parse(form.address, form.phone, form.registration, form.paper)?;
    edit_clinic(
        tend,
        session,
        "clinic.letterhead",
        vec![
            ("address", head.address.clone().into()),
            ("phone", head.phone.clone().into()),
            ("registration", head.registration.clone().into()),
            ("paper", head.paper.as_str().into()),
        ],
        serde_json::Value::Null,
    )
}

/// An admin sets the logo printed on documents (a PNG or JPEG of at most 512 KiB), or removes
/// it with `None`.
pub fn set_logo(tend: &Tend, session: &Session, image: Option<&[u8]>) -> Result<ClinicDto> {
    tend.authorize(session, Action::ClinicSettingsEdit)?;
    let value = match image {
        None => Value::Null,
        Some(bytes) => {
            tend_print::check_logo(bytes).map_err(|e| ValidationError::new("logo", e.words()))?;
            Value::Text(BASE64.encode(bytes))
        }
    };
    edit_clinic(
        tend,
        session,
        "clinic.logo",
        vec![("logo", value)],
        json!({ "removed": image.is_none() }),
    )
}

/// The letterhead as tend-print draws it.
pub(crate) fn letterhead_view(
    clinic: &tend_store::ClinicRecord,
) -> Result<tend_print::LetterheadView> {
    let paper: Paper = clinic.paper.parse()?;
    let logo = match &clinic.logo {
        None => None,
        Some(text) => Some(BASE64.decode(text.as_bytes()).map_err(|_| {
            CoreError::refused(
                "stored_logo_unreadable",
                Some("logo"),
                "the clinic's stored logo cannot be read; an administrator can set it again",
            )
        })?),
    };
    Ok(tend_print::LetterheadView {
        name: clinic.name.clone(),
        address: clinic.address.lines().map(str::to_owned).collect(),
        phone: clinic.phone.clone(),
        registration: clinic.registration.clone(),
        logo,
        paper,
    })
}
