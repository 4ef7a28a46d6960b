//! The canonical dump two desktops that exchanged everything agree on, for the tests only
//! (feature `test-support`).

use tend_domain::{Entity, Fields};

use crate::Store;
use crate::error::Result;
use crate::schema::Table;

use super::bad;

impl Store {
    /// Every synced record, conflict and change id in a fixed order: two desktops that have
    /// exchanged everything give the same text. For tests; it holds patient data, so it is
    /// never written anywhere, and only the tests' builds have it (feature `test-support`).
    #[cfg(feature = "test-support")]
    pub fn canonical_dump(&self) -> Result<String> {
        use crate::schema::read_value;
        self.read(|r| {
            let mut out = String::new();
            for entity in Entity::ALL {
                let table = Table::of(entity);
                let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
                let mut stmt = r.conn.prepare(&format!(
                    "SELECT id, created_at, updated_at, {} FROM \"{}\" ORDER BY id",
                    cols.join(", "),
                    table.name()
                ))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let mut fields = Fields::new();
                    for (i, (name, ty)) in table.columns.iter().enumerate() {
                        fields.insert((*name).to_owned(), read_value(*ty, row.get_ref(i + 3)?)?);
                    }
                    out.push_str(&format!(
                        "{entity} {} {} {} {}\n",
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        serde_json::to_string(&fields).map_err(bad)?
                    ));
                }
            }
            let mut stmt = r.conn.prepare(
                "SELECT id, entity, record_id, field, heads, safety FROM sync_conflict ORDER BY id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                out.push_str(&format!(
                    "conflict {} {} {} {} {} {}\n",
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, i64>(5)?
                ));
            }
            let mut stmt = r
                .conn
                .prepare("SELECT change_id FROM change_log ORDER BY change_id")?;
            let ids: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            out.push_str(&format!("changes {}\n", ids.join(" ")));
            Ok(out)
        })
    }
}
