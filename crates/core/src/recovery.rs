//! The recovery sheet: the clinic's recovery key on paper, printed once when the clinic is set up
//! and kept somewhere safe. With it an admin can set a new passphrase when the old one is lost.

use serde_json::json;
use tend_domain::Entity;
use tend_print::{Block, DocumentView, Section};
use tend_store::{AuditEntry, Outcome};

use crate::clinic::{Initialized, letterhead_view};
use crate::prescriptions::PrintedDto;
use crate::{CoreError, Result};

/// The recovery sheet of a clinic just set up. Only [`Initialized`] holds the recovery key, so
/// the sheet can only be made at set-up; its printing is audited (without the key).
pub fn sheet(init: &Initialized) -> Result<PrintedDto> {
    let tend = &init.tend;
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
                format!("First administrator: {}", init.admin.username),
            ],
        }],
        stamp: None,
        sections: vec![
            Section::Heading(format!("Recovery key:  {}", init.recovery_key.as_str())),
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
    let pdf = tend_print::document(&view).map_err(|e| CoreError::refused(None, e.to_string()))?;
    tend.store().write(tend.ctx(Some(init.admin.id)), |tx| {
        tx.audit(
            AuditEntry::new("recovery_sheet.print", Outcome::Ok)
                .record(Entity::User, init.admin.id)
                .detail(json!({ "pages": pdf.pages })),
        )?;
        Ok::<_, CoreError>(())
    })?;
    Ok(PrintedDto {
        number: "Recovery sheet".into(),
        file_name: format!("Tend recovery sheet {}.pdf", clinic.name.replace('/', "-")),
        pdf: pdf.bytes,
        pages: pdf.pages,
    })
}
