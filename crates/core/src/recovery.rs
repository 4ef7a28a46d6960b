//! The recovery sheet: the clinic's recovery key on paper, printed once when the clinic is set up
//! and kept somewhere safe. With it an admin can set a new passphrase when the old one is lost.

use serde_json::json;
use tend_domain::Entity;
use tend_print::{Block, DocumentView, Section};
use tend_store::{AuditEntry, Outcome};

use crate::api::PrintedDto;
use crate::clinic::{Initialized, letterhead_view};
use crate::{CoreError, Result};

/// The recovery sheet of a clinic just set up. Only [`Initialized`] holds the recovery key, so
/// the sheet can only be made at set-up; its printing is audited (without the key).
pub fn sheet(init: &Initialized) -> Result<PrintedDto> {
    sheet_of(
        &init.tend,
        init.recovery_key.as_str(),
        format!("First administrator: {}", init.admin.username),
        Some(init.admin.id),
    )
}

/// The recovery sheet of a desktop that joined the clinic by pairing: its database has its own
/// key, so its own recovery key.
pub fn joined_sheet(joined: &crate::sync::Joined) -> Result<PrintedDto> {
    let identity = joined.tend.store().identity();
    sheet_of(
        &joined.tend,
        joined.recovery_key.as_str(),
        format!("This desktop: {} (joined by pairing)", identity.device_code),
        None,
    )
}

fn sheet_of(
    tend: &crate::Tend,
    recovery_key: &str,
    who: String,
    admin: Option<tend_domain::UserId>,
) -> Result<PrintedDto> {
    let clinic = tend.store().read(|r| r.clinic())?;
    let identity = tend.store().identity();
    let tz = tend.clinic_context()?.timezone;
    let today = tend.now().with_timezone(&tz).date_naive();
    let view = DocumentView {
        letterhead: letterhead_view(&clinic)?,
        title: "Recovery sheet".into(),
        reference: vec![format!("Made {}", today.format("%Y-%m-%d"))],
        blocks: vec![Block {
            label: "Clinic".into(),
            lines: vec![
                clinic.name.clone(),
                format!("Database {}", identity.database_id),
                who,
            ],
        }],
        stamp: None,
        sections: vec![
            Section::Heading(format!("Recovery key:  {recovery_key}")),
            Section::Heading("Keep this sheet safe".into()),
            Section::Text(
                "This key opens the clinic's encrypted records if the clinic passphrase is \
                 forgotten. Anyone holding it and a copy of the data can read every chart, so \
                 keep it locked away like the key to the building, not beside the computer."
                    .into(),
            ),
            Section::Text(
                "To set a new passphrase with it, run \"tend passphrase reset\" on the clinic's \
                 computer and type this key when asked."
                    .into(),
            ),
        ],
        footer: "Tend recovery sheet: print once, keep safe, do not copy.".into(),
    };
    let pdf = tend_print::document(&view)
        .map_err(|e| CoreError::refused("print_fonts", None, e.words()))?;
    tend.store().write(tend.ctx(admin), |tx| {
        let entry = AuditEntry::new("recovery_sheet.print", Outcome::Ok)
            .detail(json!({ "pages": pdf.pages }));
        tx.audit(match admin {
            Some(id) => entry.record(Entity::User, id),
            None => entry,
        })?;
        Ok::<_, CoreError>(())
    })?;
    Ok(PrintedDto {
        number: "Recovery sheet".into(),
        file_name: format!("Tend recovery sheet {}.pdf", clinic.name.replace('/', "-")),
        pdf: pdf.bytes,
        pages: pdf.pages,
    })
}
