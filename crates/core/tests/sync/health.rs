//! Sync that heals itself, against a real server: an envelope that does not open is set aside
//! while the pull goes on, a change the server withholds is noticed and named, and a desktop
//! whose clock is far ahead is named without dragging the clinic's clock along.

use std::cell::Cell;

use tend_core::sync::problems;
use tend_sync::protocol::{Hello, PullRequest, PullResponse, PushRequest, PushResponse};
use tend_sync::{ClientError, HttpClient, Transport};

use crate::support::{clinic, create_patient, heal, shared_server};

/// Forwards to the real server but alters the last envelope of each pulled page.
pub struct Tampering(pub HttpClient);

impl Transport for Tampering {
    fn hello(&self) -> Result<Hello, ClientError> {
        self.0.hello()
    }
    fn push(&self, req: &PushRequest) -> Result<PushResponse, ClientError> {
        self.0.push(req)
    }
    fn pull(&self, req: &PullRequest) -> Result<PullResponse, ClientError> {
        let mut page = self.0.pull(req)?;
        if let Some(p) = page.changes.last_mut() {
            let mut bytes = p.change.sealed.clone().into_bytes();
            bytes[4] = if bytes[4] == b'A' { b'B' } else { b'A' };
            p.change.sealed = String::from_utf8(bytes).unwrap();
        }
        Ok(page)
    }
}

#[test]
fn an_envelope_that_does_not_open_is_set_aside_and_every_other_change_arrives() {
    let mut c = clinic(&shared_server(), 2, &[0, 0]);
    for name in ["Marta", "Pilar", "Inés"] {
        create_patient(&mut c.desktops[0], name);
    }
    c.desktops[0].round(100).unwrap();
    let (a, b) = (&c.desktops[0], &c.desktops[1]);

    // Before, the altered envelope stopped the page, and every later round stopped at it again:
    // this desktop never received another change from anyone.
    let round = b.round_via(&Tampering(b.client()), 2).unwrap();
    assert!(round.quarantined >= 1, "{round:?}");
    let head = b.client().hello().unwrap().head;
    assert_eq!(
        b.store().sync_position().unwrap().0,
        head,
        "the cursor moved on"
    );
    // Its own change coming back damaged is not kept: nothing of it is missing here.
    let kept = b.store().quarantine().unwrap();
    assert!(!kept.is_empty() && kept.len() as u64 <= round.quarantined);
    assert!(kept.iter().all(|q| q.device_id == a.device_id), "{kept:?}");
    assert!(kept[0].reason.contains("altered"), "{}", kept[0].reason);
    let said = problems(b.store()).unwrap();
    let quarantine = said.iter().find(|p| p.kind == "quarantine").unwrap();
    // Named by its desktop: here by the start of its id, as the record naming the desktop was
    // itself one of the damaged changes.
    assert!(
        quarantine.message.contains("did not open")
            && quarantine.message.contains(&a.device_id.to_string()[..8]),
        "{said:?}"
    );
    assert_ne!(b.dump(), a.dump(), "what was set aside is not applied");
    // Set aside, its device's numbers have no hole: nothing else is reported missing.
    assert!(b.store().sequence_holes().unwrap().is_empty());

    // Damaged again on the next round's fresh copy: still kept once, never twice.
    let again = b.round_via(&Tampering(b.client()), 2).unwrap();
    assert_eq!(again.released, 0);
    assert_eq!(b.store().quarantine().unwrap().len(), kept.len());

    // A round whose copy arrives whole opens it: applied, out of the quarantine, all said.
    let healed = b.round(100).unwrap();
    assert_eq!(healed.released, kept.len() as u64);
    assert!(b.store().quarantine().unwrap().is_empty());
    assert!(problems(b.store()).unwrap().is_empty());
    heal(&c.desktops, 100);
    assert_eq!(c.desktops[1].dump(), c.desktops[0].dump());
}

/// Forwards to the real server but holds back the change at one server cursor, numbering the
/// rest without a gap, as a server that withholds a change would.
struct Withholding {
    inner: HttpClient,
    held_back: u64,
    pulls: Cell<u32>,
}

impl Transport for Withholding {
    fn hello(&self) -> Result<Hello, ClientError> {
        let mut hello = self.inner.hello()?;
        hello.head = hello.head.saturating_sub(1);
        Ok(hello)
    }
    fn push(&self, req: &PushRequest) -> Result<PushResponse, ClientError> {
        self.inner.push(req)
    }
    fn pull(&self, req: &PullRequest) -> Result<PullResponse, ClientError> {
        self.pulls.set(self.pulls.get() + 1);
        let k = self.held_back;
        let after = if req.after >= k {
            req.after + 1
        } else {
            req.after
        };
        let mut page = self.inner.pull(&PullRequest { after, ..*req })?;
        page.changes.retain(|p| p.cursor != k);
        for p in &mut page.changes {
            if p.cursor > k {
                p.cursor -= 1;
            }
        }
        Ok(page)
    }
}

#[test]
fn a_change_the_server_withholds_is_named_after_three_rounds_and_pulling_again_heals_it() {
    let mut c = clinic(&shared_server(), 2, &[0, 0]);
    for name in ["Marta", "Pilar", "Inés", "Lucía"] {
        create_patient(&mut c.desktops[0], name);
    }
    c.desktops[0].round(100).unwrap();
    let (a, b) = (&c.desktops[0], &c.desktops[1]);
    let head = a.client().hello().unwrap().head;
    let withholding = Withholding {
        inner: b.client(),
        held_back: head - 2,
        pulls: Cell::new(0),
    };
    b.round_via(&withholding, 100).unwrap();
    // A hole may be a change pushed between two pages: not shown for the first rounds.
    let holes = b.store().sequence_holes().unwrap();
    assert_eq!(holes.len(), 1, "{holes:?}");
    assert_eq!(holes[0].device, a.device_id);
    assert!(problems(b.store()).unwrap().is_empty());
    b.round_via(&withholding, 100).unwrap();
    b.round_via(&withholding, 100).unwrap();
    let said = problems(b.store()).unwrap();
    let missing = said.iter().find(|p| p.kind == "missing").expect("shown");
    assert!(missing.serious);
    assert!(
        missing.message.contains("Desk ") && missing.message.contains("has not sent change"),
        "{}",
        missing.message
    );
    assert_ne!(b.dump(), a.dump());

    // An admin has the next round pull everything again; an honest server fills the hole.
    b.store().pull_everything_again(b.ctx()).unwrap();
    b.round(100).unwrap();
    assert!(b.store().sequence_holes().unwrap().is_empty());
    assert!(problems(b.store()).unwrap().is_empty());
    heal(&c.desktops, 100);
    assert_eq!(c.desktops[1].dump(), c.desktops[0].dump());
}

#[test]
fn a_desktop_whose_clock_is_a_year_ahead_is_named_and_never_drags_this_clock_along() {
    let year = 365 * 24 * 60;
    let mut c = clinic(&shared_server(), 2, &[year, 0]);
    create_patient(&mut c.desktops[0], "Marta");
    heal(&c.desktops, 100);
    let (a, b) = (&c.desktops[0], &c.desktops[1]);
    let said = problems(b.store()).unwrap();
    let ahead = said
        .iter()
        .find(|p| p.kind == "clock_ahead")
        .expect("named");
    assert!(
        ahead.message.contains("Desk ") && ahead.message.contains("365 days ahead"),
        "{}",
        ahead.message
    );
    assert!(!ahead.serious, "its changes were kept");
    assert_eq!(b.dump(), a.dump(), "its changes were applied");

    // This desktop's next change is stamped within two days of its own time, not a year on
    // (before, every later change of the clinic was stamped in the desktop's future).
    let id = create_patient(&mut c.desktops[1], "Pilar");
    let b = &c.desktops[1];
    let mine = b.own_changes();
    let last = mine.iter().find(|ch| ch.record_id == id).unwrap();
    let now = tend_core::Clock::now(b.clock.as_ref()).timestamp_millis() as u64;
    assert!(
        last.hlc.wall_ms <= now + tend_domain::hlc::MAX_AHEAD_MS,
        "{} vs {now}",
        last.hlc
    );
    // Writes go on, and sync too.
    heal(&c.desktops, 100);
    assert_eq!(c.desktops[0].dump(), c.desktops[1].dump());
}

#[test]
fn a_pulled_text_with_a_terminal_escape_is_set_aside_naming_its_field() {
    let mut c = clinic(&shared_server(), 2, &[0, 0]);
    create_patient(&mut c.desktops[0], "Marta");
    // A desktop that holds the clinic key but not Tend's rules (an older build, or a hostile
    // one) writes a name that would clear the screen of whoever lists it in a terminal.
    let id = create_patient(&mut c.desktops[0], "Pilar");
    crate::support::edit(
        &c.desktops[0],
        tend_domain::Entity::Patient,
        id,
        "family_name",
        "\u{1b}[2J\u{1b}[HOrtega".into(),
    );
    c.desktops[0].round(100).unwrap();
    let b = &c.desktops[1];
    let round = b.round(100).unwrap();
    assert_eq!(round.quarantined, 1, "{round:?}");
    let kept = b.store().quarantine().unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].reason.contains("family_name"), "{}", kept[0].reason);
    assert!(!kept[0].reason.contains('\u{1b}'));
    // Everything else arrived, the escape did not.
    let dump = b.dump();
    assert!(dump.contains("Marta") && dump.contains("Pilar"));
    assert!(!dump.contains('\u{1b}'));
}
