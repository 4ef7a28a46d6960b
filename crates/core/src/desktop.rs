//! The desktop app's state: which clinic folder it serves, whether the clinic is open, who is
//! signed in, and the documents printed for preview. The Tauri shell holds one [`Desktop`] and
//! each of its commands is one call into it, so everything here is tested without a window.
//!
//! The stages a desktop goes through: `setup` (no clinic in the folder yet) → `unlock` (the OS
//! keyring has no key: ask for the passphrase) → `sign_in` → signed in, until sign-out or the
//! idle lock, which end the session (audited) and go back to `sign_in`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::api::forms::{JoinForm, Setup};
use crate::api::{
    ApiError, BackupStepDto, DeskDto, DocumentDto, PrintedDto, SetUpDto, StartDto, SyncActivityDto,
    UnlockWith,
};
use crate::clinic::{self, Unlock};
use crate::{CoreError, Environment, Session, Tend, auth, recovery};
use tend_domain::words;

/// How many printed documents are kept for preview and saving; older ones are dropped.
const KEPT_DOCUMENTS: usize = 6;

/// Documents printed for preview, each held for the person who printed it.
#[derive(Debug, Default)]
struct Documents {
    next: u64,
    kept: VecDeque<Kept>,
}

#[derive(Debug)]
struct Kept {
    id: u64,
    printed: PrintedDto,
    /// Who printed it; `None` for the recovery sheet of the set-up and join flows, shown
    /// before anyone signs in and dropped once it has been dealt with.
    owner: Option<tend_domain::UserId>,
}

/// The state of one desktop window.
#[derive(Debug)]
pub struct Desktop {
    dir: PathBuf,
    env: Environment,
    tend: RwLock<Option<Arc<Tend>>>,
    session: Mutex<Option<Session>>,
    /// When the signed-in person last did something (the badge's polling does not count).
    last_use: Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    documents: Mutex<Documents>,
    sync: Mutex<SyncActivityDto>,
    /// Held while a sync round runs, so rounds never overlap.
    sync_round: Mutex<()>,
    /// Where the restore or backup check under way has got (the page polls it for its bar).
    backup_step: Mutex<Option<crate::backup::Step>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn api(e: CoreError) -> ApiError {
    ApiError::from(e)
}

impl Desktop {
    pub fn new(dir: PathBuf, env: Environment) -> Self {
        Desktop {
            dir,
            env,
            tend: RwLock::new(None),
            session: Mutex::new(None),
            last_use: Mutex::new(None),
            documents: Mutex::new(Documents::default()),
            sync: Mutex::new(SyncActivityDto::default()),
            backup_step: Mutex::new(None),
            sync_round: Mutex::new(()),
        }
    }

    /// Joins an existing clinic with a pairing code: creates this desktop's own encrypted copy,
    /// pulls everything (progress in [`Desktop::sync_activity`]), and prints its recovery sheet.
    /// People then sign in with the clinic's accounts.
    pub fn join(&self, form: &JoinForm) -> Result<DocumentDto, ApiError> {
        if self.open_tend().is_some() || Tend::exists(&self.dir) {
            return Err(api(
                tend_store::StoreError::AlreadyExists(self.dir.clone()).into()
            ));
        }
        let _round = lock(&self.sync_round);
        self.set_activity(SyncActivityDto {
            running: true,
            ..SyncActivityDto::default()
        });
        let joined = crate::sync::join(
            &self.dir,
            &crate::sync::JoinRequest {
                pairing_code: &form.pairing_code,
                device_name: &form.device_name,
                passphrase: &form.passphrase,
            },
            self.env.clone(),
            |p| self.progress(p),
        );
        self.set_activity(SyncActivityDto::default());
        let joined = joined.map_err(api)?;
        let sheet = recovery::joined_sheet(&joined).map_err(api)?;
        self.keep_open(joined.tend);
        Ok(self.keep(sheet, None))
    }

    fn set_activity(&self, a: SyncActivityDto) {
        *lock(&self.sync) = a;
    }

    fn progress(&self, p: tend_sync::Progress) {
        self.set_activity(SyncActivityDto {
            running: true,
            pulled: p.pulled,
            cursor: p.cursor,
            head: p.head,
        });
    }

    /// What the background sync is doing now.
    pub fn sync_activity(&self) -> SyncActivityDto {
        *lock(&self.sync)
    }

    /// One background sync round, when the clinic is open and connected to a server and no
    /// round is running already. The outcome is kept for the status badge.
    pub fn sync_tick(&self) {
        let Some(tend) = self.open_tend() else { return };
        if !crate::sync::is_configured(&tend) {
            return;
        }
        let Some(_round) = self.round_lock() else {
            return;
        };
        self.set_activity(SyncActivityDto {
            running: true,
            ..SyncActivityDto::default()
        });
        let _ = crate::sync::sync_now(&tend, |p| self.progress(p));
        self.set_activity(SyncActivityDto::default());
    }

    /// The right to run a round, unless one runs already. A round that panicked (tend-core
    /// catches that, but a lock poisoned any other way too) never stops the next one.
    fn round_lock(&self) -> Option<MutexGuard<'_, ()>> {
        match self.sync_round.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn open_tend(&self) -> Option<Arc<Tend>> {
        self.tend.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn keep_open(&self, tend: Tend) -> Arc<Tend> {
        let tend = Arc::new(tend);
        *self.tend.write().unwrap_or_else(|p| p.into_inner()) = Some(tend.clone());
        tend
    }

    fn opened(tend: &Tend) -> Result<StartDto, ApiError> {
        let clinic = tend
            .store()
            .read(|r| r.clinic())
            .map_err(|e| api(e.into()))?;
        Ok(StartDto {
            stage: "sign_in",
            reason: None,
            clinic_name: Some(clinic.name),
        })
    }

    /// The first screen: set-up when there is no clinic, the passphrase when the keyring cannot
    /// open it, otherwise sign-in.
    pub fn start(&self) -> Result<StartDto, ApiError> {
        if let Some(tend) = self.open_tend() {
            return Self::opened(&tend);
        }
        if !Tend::exists(&self.dir) {
            return Ok(StartDto {
                stage: "setup",
                reason: None,
                clinic_name: None,
            });
        }
        match clinic::open(&self.dir, Unlock::Keyring, self.env.clone()) {
            Ok(tend) => Self::opened(&self.keep_open(tend)),
            Err(CoreError::PassphraseNeeded { reason }) => Ok(StartDto {
                stage: "unlock",
                reason: Some(reason),
                clinic_name: None,
            }),
            Err(e) => Err(api(e)),
        }
    }

    /// Opens the clinic with its passphrase; the key then goes to the OS keyring when there is
    /// one, so the next start needs no typing.
    pub fn unlock(&self, passphrase: &str) -> Result<StartDto, ApiError> {
        if let Some(tend) = self.open_tend() {
            return Self::opened(&tend);
        }
        let tend = clinic::open(&self.dir, Unlock::Passphrase(passphrase), self.env.clone())
            .map_err(|e| match e {
                CoreError::Store(tend_store::StoreError::WrongSecret { .. }) => ApiError {
                    field: Some("passphrase"),
                    ..api(e)
                },
                e => api(e),
            })?;
        Self::opened(&self.keep_open(tend))
    }

    /// Creates the clinic, signs its first admin in, and prints the recovery sheet.
    pub fn set_up(&self, form: &Setup) -> Result<SetUpDto, ApiError> {
        if self.open_tend().is_some() || Tend::exists(&self.dir) {
            return Err(api(
                tend_store::StoreError::AlreadyExists(self.dir.clone()).into()
            ));
        }
        let init = clinic::init(&self.dir, &form.form(), self.env.clone()).map_err(api)?;
        let sheet = recovery::sheet(&init).map_err(api)?;
        let keyring_saved = init.keyring_saved;
        self.keep_open(init.tend);
        let desk = self.sign_in(&form.admin_username, &form.admin_password)?;
        let recovery_sheet = self.keep(sheet, None);
        Ok(SetUpDto {
            desk,
            recovery_sheet,
            keyring_saved,
        })
    }

    fn tend(&self) -> Result<Arc<Tend>, ApiError> {
        self.open_tend()
            .ok_or_else(|| ApiError::new("not_open", "the clinic is not open yet; unlock it first"))
    }

    /// Signs a person in; whoever was signed in before is signed out (switch of user).
    pub fn sign_in(&self, username: &str, password: &str) -> Result<DeskDto, ApiError> {
        let tend = self.tend()?;
        let session = auth::sign_in(&tend, username, password).map_err(|e| match e {
            CoreError::InvalidCredentials => ApiError {
                field: Some("password"),
                ..api(e)
            },
            e => api(e),
        })?;
        let desk = clinic::desk(&tend, &session).map_err(api)?;
        if let Some(previous) = lock(&self.session).replace(session) {
            self.end(&tend, previous);
        }
        // Nothing printed before this sign-in is shown to whoever signed in.
        lock(&self.documents).kept.clear();
        *lock(&self.last_use) = Some(self.env.clock.now());
        Ok(desk)
    }

    fn end(&self, tend: &Tend, session: Session) {
        lock(&self.documents).kept.clear();
        *lock(&self.last_use) = None;
        if let Err(e) = auth::sign_out(tend, session) {
            tracing::warn!(error = %e, "could not record a sign-out");
        }
    }

    /// The idle lock, enforced here and not only in the page: a session unused for the clinic's
    /// idle minutes ends (audited as a sign-out) and the next command answers
    /// `session_locked`, so the window shows the lock whatever the page did.
    fn check_idle(&self, tend: &Tend) -> Result<(), ApiError> {
        let Some(last) = *lock(&self.last_use) else {
            return Ok(());
        };
        let minutes = tend
            .store()
            .read(|r| r.clinic())
            .map(|c| c.idle_lock_minutes)
            .map_err(|e| api(e.into()))?;
        let now = self.env.clock.now();
        if minutes > 0 && now - last >= chrono::Duration::minutes(minutes) {
            if let Some(session) = lock(&self.session).take() {
                self.end(tend, session);
            }
            return Err(ApiError::new(
                "session_locked",
                words!(
                    "the screen locked after {minutes} minutes without use; sign in again",
                    minutes = minutes
                ),
            ));
        }
        Ok(())
    }

    /// Lets a locked-out administrator in at once, from the sign-in screen, with the clinic
    /// passphrase or the recovery key.
    pub fn unlock_admin(
        &self,
        username: &str,
        with: UnlockWith,
        secret: &str,
    ) -> Result<(), ApiError> {
        let tend = self.tend()?;
        auth::unlock_admin(&tend, username, with.unlock(secret)).map_err(api)
    }

    /// Ends the session: sign-out, switch of user and the idle lock all come here. Printed
    /// documents are dropped with it.
    pub fn sign_out(&self) -> Result<(), ApiError> {
        let tend = self.tend()?;
        if let Some(session) = lock(&self.session).take() {
            self.end(&tend, session);
        }
        Ok(())
    }

    /// Runs a use case as the signed-in person. A session the clinic has ended (the account
    /// was disabled or locked meanwhile) is dropped here, so the UI goes back to sign-in.
    pub fn run<T>(
        &self,
        f: impl FnOnce(&Tend, &Session) -> crate::Result<T>,
    ) -> Result<T, ApiError> {
        self.run_as(Use::Person, f)
    }

    /// Like [`Desktop::run`], for what the window asks by itself on a timer (the sync badge):
    /// it does not keep the session from locking.
    pub fn poll<T>(
        &self,
        f: impl FnOnce(&Tend, &Session) -> crate::Result<T>,
    ) -> Result<T, ApiError> {
        self.run_as(Use::Polling, f)
    }

    fn run_as<T>(
        &self,
        by: Use,
        f: impl FnOnce(&Tend, &Session) -> crate::Result<T>,
    ) -> Result<T, ApiError> {
        let tend = self.tend()?;
        self.check_idle(&tend)?;
        let session = lock(&self.session)
            .clone()
            .ok_or_else(|| api(CoreError::SessionEnded))?;
        if by == Use::Person {
            *lock(&self.last_use) = Some(self.env.clock.now());
        }
        f(&tend, &session).map_err(|e| {
            if matches!(e, CoreError::SessionEnded) {
                lock(&self.session).take();
                lock(&self.documents).kept.clear();
            }
            api(e)
        })
    }

    fn user(&self) -> Option<tend_domain::UserId> {
        lock(&self.session).as_ref().map(Session::user_id)
    }

    /// Prints a document as the signed-in person and keeps it for the preview.
    pub fn print(
        &self,
        f: impl FnOnce(&Tend, &Session) -> crate::Result<PrintedDto>,
    ) -> Result<DocumentDto, ApiError> {
        let printed = self.run(f)?;
        let owner = self.user();
        Ok(self.keep(printed, owner))
    }

    fn keep(&self, printed: PrintedDto, owner: Option<tend_domain::UserId>) -> DocumentDto {
        let mut docs = lock(&self.documents);
        docs.next += 1;
        let id = docs.next;
        let dto = DocumentDto {
            id,
            number: printed.number.clone(),
            file_name: printed.file_name.clone(),
            pages: printed.pages,
        };
        docs.kept.push_back(Kept { id, printed, owner });
        while docs.kept.len() > KEPT_DOCUMENTS {
            docs.kept.pop_front();
        }
        dto
    }

    /// The bytes of a document printed in this session: only for the person who printed it
    /// (the set-up and join flows' recovery sheet needs no session).
    pub fn document(&self, id: u64) -> Result<Vec<u8>, ApiError> {
        if let Some(tend) = self.open_tend() {
            self.check_idle(&tend)?;
        }
        let user = self.user();
        lock(&self.documents)
            .kept
            .iter()
            .find(|k| k.id == id && (k.owner.is_none() || k.owner == user))
            .map(|k| k.printed.pdf.clone())
            .ok_or_else(|| {
                ApiError::new(
                    "not_found",
                    "that document is no longer held for preview; print it again",
                )
            })
    }

    /// The preview of a document was closed: a recovery sheet is dropped then (it holds the
    /// key to the clinic's data), other documents stay for a reprint until the session ends.
    pub fn close_document(&self, id: u64) {
        lock(&self.documents)
            .kept
            .retain(|k| !(k.id == id && k.owner.is_none()));
    }

    /// The name a document is saved under, for the save dialog.
    pub fn document_name(&self, id: u64) -> Result<String, ApiError> {
        self.document(id)?;
        Ok(lock(&self.documents)
            .kept
            .iter()
            .find(|k| k.id == id)
            .map(|k| k.printed.file_name.clone())
            .unwrap_or_default())
    }

    /// Writes a document where the person chose to save it (in the shell's own save dialog: the
    /// page never names a path), through a temporary file in the same folder so a failure never
    /// leaves half a PDF. A recovery sheet, once saved, is dropped.
    pub fn save_document(&self, id: u64, path: &Path) -> Result<(), ApiError> {
        let bytes = self.document(id)?;
        let saved = write_whole(path, &bytes);
        if saved.is_ok() {
            self.close_document(id);
        }
        saved.map_err(|e| {
            tracing::warn!(error = %e, "saving a document failed");
            ApiError {
                field: Some("path"),
                ..ApiError::new(
                    "save_failed",
                    words!("the PDF could not be saved there ({why})", why = e.kind()),
                )
            }
        })
    }
}

/// Who a command comes from: the person, or the window's own timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Person,
    Polling,
}

fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A wrong passphrase or recovery key, named beside the field it was typed in.
fn secret_field(e: CoreError) -> ApiError {
    match e {
        CoreError::Store(tend_store::StoreError::WrongSecret { .. }) => ApiError {
            field: Some("secret"),
            ..api(e)
        },
        e => api(e),
    }
}

impl Desktop {
    /// The backups that are due, run in the background every minute while the app is open
    /// (no session: the schedule an admin set runs). Failures are recorded for the admin screen.
    pub fn backup_tick(&self) {
        let Some(tend) = self.open_tend() else { return };
        if let Err(e) = crate::backup::auto::run_due(&tend) {
            tracing::warn!(error = %e, "the scheduled backup could not run");
        }
    }

    /// On quitting: a backup to every folder when the last good one is more than a day old.
    /// Returns whether one ran.
    pub fn backup_on_quit(&self) -> bool {
        let Some(tend) = self.open_tend() else {
            return false;
        };
        match crate::backup::auto::due_on_quit(&tend) {
            Ok(true) => {
                if let Err(e) = crate::backup::auto::run_all(&tend, None) {
                    tracing::warn!(error = %e, "the backup on quitting could not run");
                }
                true
            }
            _ => false,
        }
    }

    /// Takes the open clinic away from everyone (background rounds included) so a restore can
    /// replace its database; waits up to half a minute for a sync round or backup to finish.
    fn close_for_restore(&self) -> Result<Tend, ApiError> {
        let taken = self.tend.write().unwrap_or_else(|p| p.into_inner()).take();
        let Some(mut shared) = taken else {
            return Err(ApiError::new("not_open", "the clinic is not open"));
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match Arc::try_unwrap(shared) {
                Ok(tend) => return Ok(tend),
                Err(still) if std::time::Instant::now() < deadline => {
                    shared = still;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(still) => {
                    *self.tend.write().unwrap_or_else(|p| p.into_inner()) = Some(still);
                    return Err(ApiError::new(
                        "in_use",
                        "a sync or a backup is still running; try the restore again in a minute",
                    ));
                }
            }
        }
    }

    /// Replaces this clinic's database with a backup (admins). Everyone is signed out: the
    /// restored clinic has the users it had when the backup was taken. On failure the clinic
    /// is opened again as it was.
    pub fn restore(
        &self,
        path: &str,
        replaces: crate::backup::Replaces,
    ) -> Result<crate::api::RestoreDto, ApiError> {
        let path = crate::backup::auto::typed_path("path", path).map_err(api)?;
        let path = path.as_path();
        let session = lock(&self.session)
            .clone()
            .ok_or_else(|| api(CoreError::SessionEnded))?;
        {
            let tend = self.tend()?;
            self.check_idle(&tend)?;
            tend.authorize(&session, tend_domain::Action::BackupRestore)
                .map_err(api)?;
        }
        let tend = self.close_for_restore()?;
        let paths = tend.store().paths().clone();
        let key = tend.store().key().clone();
        let env = tend.env.clone();
        let restored =
            self.reporting(|report| crate::backup::restore(tend, &session, path, replaces, report));
        match restored {
            Ok((tend, dto)) => {
                lock(&self.session).take();
                lock(&self.documents).kept.clear();
                *lock(&self.last_use) = None;
                self.keep_open(tend);
                Ok(dto)
            }
            Err(e) => {
                let store = tend_store::Store::open(&paths, &key).map_err(|e| api(e.into()))?;
                self.keep_open(Tend::new(store, env));
                Err(api(e))
            }
        }
    }

    /// Runs a restore or a check, keeping where it has got for `backup_step`.
    fn reporting<T>(&self, work: impl FnOnce(&dyn Fn(crate::backup::Step)) -> T) -> T {
        let report = |step| *lock(&self.backup_step) = Some(step);
        let result = work(&report);
        lock(&self.backup_step).take();
        result
    }

    /// Where the restore or backup check under way has got; `None` when none is.
    pub fn backup_step(&self) -> Option<BackupStepDto> {
        lock(&self.backup_step).map(Into::into)
    }

    /// What a backup holds, from the first-run screen (no clinic here yet) or by an admin.
    /// Without a clinic the backup's passphrase or recovery key opens it.
    pub fn check_backup(
        &self,
        path: &str,
        with: UnlockWith,
        secret: &str,
    ) -> Result<crate::api::BackupCheckDto, ApiError> {
        let path = crate::backup::auto::typed_path("path", path).map_err(api)?;
        let path = path.as_path();
        if self.open_tend().is_some() {
            let unlock = (!secret.is_empty()).then(|| with.unlock(secret));
            return self.reporting(|report| {
                self.run(|t, s| crate::backup::check_file_signed_in(t, s, path, unlock, report))
            });
        }
        self.reporting(|report| {
            crate::backup::check_file(path, with.unlock(secret), &self.env, report)
        })
        .map_err(secret_field)
    }

    /// Sets this computer up from a backup (the first-run screen's "Restore from a backup").
    pub fn restore_first(
        &self,
        path: &str,
        with: UnlockWith,
        secret: &str,
        replaces: crate::backup::Replaces,
    ) -> Result<crate::api::RestoreDto, ApiError> {
        if self.open_tend().is_some() || Tend::exists(&self.dir) {
            return Err(api(
                tend_store::StoreError::AlreadyExists(self.dir.clone()).into()
            ));
        }
        let path = crate::backup::auto::typed_path("path", path).map_err(api)?;
        let (tend, dto) = self
            .reporting(|report| {
                crate::backup::restore_new(
                    &self.dir,
                    &path,
                    with.unlock(secret),
                    replaces,
                    self.env.clone(),
                    report,
                )
            })
            .map_err(secret_field)?;
        self.keep_open(tend);
        Ok(dto)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_round_lock_does_not_stop_sync_for_the_session() {
        let desk = Desktop::new(std::env::temp_dir(), Environment::system());
        let poisoned = std::thread::scope(|s| {
            s.spawn(|| {
                let _held = desk.sync_round.lock();
                panic!("a round that panicked");
            })
            .join()
            .is_err()
        });
        assert!(poisoned && desk.sync_round.is_poisoned());
        assert!(desk.round_lock().is_some(), "the next round runs");
        let held = desk.round_lock();
        assert!(
            held.is_some() && desk.round_lock().is_none(),
            "never two at once"
        );
    }
}
