//! The clinic's keys as this desktop keeps them, in the encrypted database.

use rusqlite::params;

use crate::Store;
use crate::error::Result;

use super::StoredKey;

impl Store {
    /// The clinic keys this desktop holds, oldest epoch first.
    pub fn clinic_keys(&self) -> Result<Vec<StoredKey>> {
        self.read(|r| {
            let mut stmt = r
                .conn
                .prepare("SELECT epoch, scheme, secret FROM sync_key ORDER BY epoch, id")?;
            let rows = stmt.query_map([], |row| {
                Ok(StoredKey {
                    epoch: row.get(0)?,
                    scheme: row.get(1)?,
                    secret: zeroize::Zeroizing::new(row.get(2)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Keeps clinic keys (one already held is left as it was).
    pub fn add_clinic_keys(&self, keys: &[StoredKey], at: &str) -> Result<()> {
        self.local_write(|conn| {
            for k in keys {
                conn.execute(
                    "INSERT INTO sync_key (epoch, scheme, secret, added_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (secret) DO NOTHING",
                    params![k.epoch, k.scheme, *k.secret, at],
                )?;
            }
            Ok(())
        })
    }

    /// Forgets every clinic key (this desktop stops syncing).
    pub fn forget_clinic_keys(&self) -> Result<()> {
        self.local_write(|conn| {
            conn.execute("DELETE FROM sync_key", [])?;
            Ok(())
        })
    }
}
