//! The permission table, enforced: every role tries every action through its use case, and
//! what happens matches `tend_domain::permission`. Refusals are audited.

use tend_core::billing::fees::{self, FeeForm};
use tend_core::billing::invoices::{self, LineForm};
use tend_core::billing::payments::{self, PaymentForm, RefundForm};
use tend_core::billing::reports;
use tend_core::chart::records::{self, AllergyForm, ImmunizationForm, MedicationForm, ProblemForm};
use tend_core::chart::visits::{self, NoteEdit, TemplateForm};
use tend_core::patients::{self, OnDuplicates};
use tend_core::prescriptions as rx;
use tend_core::{CoreError, Session, audit, backup, chart, clinic, passphrase, sync, users};
use tend_domain::chart::VitalsForm;
use tend_domain::patients::PatientForm;
use tend_domain::permission::role_can;
use tend_domain::{Action, Role};

use crate::support::{Clinic, clinic, person};

/// A patient with a draft and a signed visit, made by a doctor who is not among the actors.
struct Fixture {
    doctor: Session,
    mrn: String,
    draft: String,
    signed: String,
    /// A signed prescription's number.
    rx: String,
}

fn rx_item() -> tend_domain::prescriptions::prescription::ItemForm {
    tend_domain::prescriptions::prescription::ItemForm {
        drug: "amlodipine".into(),
        strength: "5 mg".into(),
        dose: "1 tablet".into(),
        frequency: "OD".into(),
        quantity: "30".into(),
        ..Default::default()
    }
}

/// Signs a new prescription as `who`, giving a reason for whatever the checks find.
fn signed_rx(c: &Clinic, who: &Session, mrn: &str) -> Result<String, CoreError> {
    let draft = rx::create_draft(&c.tend, who, mrn, &[rx_item()])?;
    let reasons = [("all".to_owned(), "access test".to_owned())];
    Ok(rx::sign(&c.tend, who, &draft.id.to_string(), &reasons)?
        .number
        .unwrap_or_default())
}

fn patient_form(n: u32) -> PatientForm {
    PatientForm {
        given_name: format!("Person{n}"),
        family_name: "Access-Test".into(),
        birth_date: format!("19{:02}-01-15", 50 + n % 40),
        phones: vec![format!("600 {n:06}")],
        ..Default::default()
    }
}

fn fixture(c: &Clinic) -> Fixture {
    let doctor = person(c, "fixture", "doctor");
    let p = patients::register(&c.tend, &doctor, &patient_form(0), OnDuplicates::Refuse).unwrap();
    let draft = visits::start(&c.tend, &doctor, &p.mrn, "check-up", None, None)
        .unwrap()
        .id
        .to_string();
    let signed = visits::start(&c.tend, &doctor, &p.mrn, "follow-up", None, None)
        .unwrap()
        .id
        .to_string();
    let note = NoteEdit {
        subjective: Some("Well."),
        ..Default::default()
    };
    visits::edit_note(&c.tend, &doctor, &signed, &note).unwrap();
    visits::sign(&c.tend, &doctor, &signed).unwrap();
    tend_core::schedule::add_appointment_type(&c.tend, &c.admin, "Check-up", 20, "#3b82f6", false)
        .unwrap();
    let rx = signed_rx(c, &doctor, &p.mrn).unwrap();
    let fee = FeeForm {
        code: "CONS",
        name: "Consultation",
        kind: "service",
        price: "10",
        tax: "",
    };
    fees::save_fee(&c.tend, &c.admin, &fee).unwrap();
    Fixture {
        doctor,
        mrn: p.mrn,
        draft,
        signed,
        rx,
    }
}

fn cash(amount: &str) -> PaymentForm<'_> {
    PaymentForm {
        method: "cash",
        amount,
        keep_as_credit: false,
        reference: "",
        note: "",
    }
}

/// A new invoice for one consultation, issued by the admin.
fn issued_invoice(c: &Clinic, mrn: &str) -> String {
    let draft = invoices::create(&c.tend, &c.admin, mrn, None).unwrap();
    let id = draft.id.to_string();
    let line = LineForm {
        code: Some("CONS"),
        ..LineForm::default()
    };
    invoices::add_line(&c.tend, &c.admin, &id, &line).unwrap();
    invoices::issue(&c.tend, &c.admin, &id)
        .unwrap()
        .number
        .unwrap()
}

/// Performs `action` as `who` through the use case that needs it.
fn attempt(
    c: &Clinic,
    fx: &Fixture,
    who: &Session,
    password: &str,
    action: Action,
    n: u32,
) -> Result<(), CoreError> {
    let t = &c.tend;
    let mrn = fx.mrn.as_str();
    match action {
        Action::PatientSearch => patients::search(t, who, "access-test", 5).map(drop),
        Action::PatientView => patients::get(t, who, mrn).map(drop),
        Action::PatientRegister => {
            patients::register(t, who, &patient_form(n), OnDuplicates::RegisterAnyway).map(drop)
        }
        Action::PatientEdit => patients::edit(t, who, mrn, &patient_form(0)).map(drop),
        Action::PatientMerge => {
            let a = patients::register(
                t,
                &fx.doctor,
                &patient_form(1000 + n),
                OnDuplicates::RegisterAnyway,
            )
            .unwrap();
            let b = patients::register(
                t,
                &fx.doctor,
                &patient_form(2000 + n),
                OnDuplicates::RegisterAnyway,
            )
            .unwrap();
            patients::merge(t, who, &a.mrn, &b.mrn).map(drop)
        }
        Action::ChartRead => chart::summary(t, who, mrn).map(drop),
        Action::NoteRead => visits::get(t, who, &fx.draft).map(drop),
        Action::BreakGlass => {
            chart::break_glass(t, who, mrn, "Collapsed in the waiting room").map(drop)
        }
        Action::NoteWrite => visits::start(t, who, mrn, "visit", None, None).map(drop),
        Action::NoteSign => {
            // A doctor signs their own note; anyone else is refused before the note matters.
            let own = visits::start(t, who, mrn, "to sign", None, None)
                .ok()
                .map(|v| v.id.to_string());
            let id = match &own {
                Some(id) => {
                    visits::edit_note(
                        t,
                        who,
                        id,
                        &NoteEdit {
                            plan: Some("Rest."),
                            ..Default::default()
                        },
                    )?;
                    id.as_str()
                }
                None => fx.draft.as_str(),
            };
            visits::sign(t, who, id).map(drop)
        }
        Action::NoteAddendum => {
            visits::add_addendum(t, who, &fx.signed, "Called back: better.").map(drop)
        }
        Action::NoteTemplateEdit => {
            let name = format!("Template {n}");
            visits::save_template(
                t,
                who,
                None,
                &TemplateForm {
                    name: &name,
                    subjective: "…",
                    ..Default::default()
                },
            )
            .map(drop)
        }
        Action::AllergyWrite => records::record_allergy(
            t,
            who,
            mrn,
            &AllergyForm {
                substance: "Latex",
                category: "environment",
                ..Default::default()
            },
        )
        .map(drop),
        Action::ProblemWrite => records::add_problem(
            t,
            who,
            mrn,
            &ProblemForm {
                code: "I10",
                ..Default::default()
            },
        )
        .map(drop),
        Action::MedicationWrite => records::start_medication(
            t,
            who,
            mrn,
            &MedicationForm {
                drug: "amlodipine",
                dose: "5 mg",
                ..Default::default()
            },
        )
        .map(drop),
        Action::VitalsWrite => records::record_vitals(
            t,
            who,
            mrn,
            &VitalsForm {
                pulse: "72".into(),
                ..Default::default()
            },
            None,
        )
        .map(drop),
        Action::ScheduleView => tend_core::schedule::day(t, who, "2026-11-25", None).map(drop),
        Action::ScheduleBook => {
            // Thirty 20-minute slots a day, then the next day: every attempt has its own slot.
            let minutes = 8 * 60 + (n % 30) * 20;
            let at = format!(
                "2026-12-{:02} {:02}:{:02}",
                1 + n / 30,
                minutes / 60,
                minutes % 60
            );
            let req = tend_core::schedule::BookRequest {
                mrn,
                provider: "fixture",
                type_name: "Check-up",
                at: &at,
                room: None,
                note: "",
                override_conflicts: true,
                repeat: None,
            };
            tend_core::schedule::book(t, who, &req).map(drop)
        }
        Action::ScheduleSetup => {
            tend_core::schedule::add_room(t, who, &format!("Room {n}"), "mon-fri 08:00-20:00", "")
                .map(drop)
        }
        Action::ImmunizationWrite => records::record_immunization(
            t,
            who,
            mrn,
            &ImmunizationForm {
                vaccine: "Influenza",
                ..Default::default()
            },
        )
        .map(drop),
        Action::UserList => users::list(&c.tend, who).map(drop),
        Action::UserManage => users::unlock(&c.tend, who, "admin").map(drop),
        Action::OwnPasswordChange => {
            users::change_own_password(&c.tend, who, password, password).map(drop)
        }
        Action::ClinicSettingsView => clinic::settings(&c.tend, who).map(drop),
        Action::ClinicSettingsEdit => clinic::update_settings(
            &c.tend,
            who,
            &clinic::SettingsForm {
                name: "Clínica Sol",
                timezone: "Europe/Madrid",
                currency: "EUR",
                units: "metric",
            },
        )
        .map(drop),
        Action::AuditReview => audit::verify(&c.tend, who).map(drop),
        Action::BackupCreate => {
            backup::create(&c.tend, who, &c.path().join("access.tendbackup")).map(drop)
        }
        Action::PassphraseChange => {
            passphrase::change(&c.tend, who, crate::support::PASSPHRASE).map(drop)
        }
        Action::PrescriptionWrite => rx::create_draft(t, who, mrn, &[rx_item()]).map(drop),
        Action::PrescriptionSign => signed_rx(c, who, mrn).map(drop).or_else(|e| match e {
            // Someone who cannot write a draft is asked to sign the fixture doctor's.
            CoreError::Forbidden {
                action: Action::PrescriptionWrite,
            } => {
                let draft = rx::create_draft(t, &fx.doctor, mrn, &[rx_item()]).unwrap();
                rx::sign(t, who, &draft.id.to_string(), &[]).map(drop)
            }
            e => Err(e),
        }),
        Action::PrescriptionCancel => {
            let number = signed_rx(c, &fx.doctor, mrn).unwrap();
            rx::cancel(t, who, &number, "access test").map(drop)
        }
        Action::PrescriptionView => rx::get(t, who, &fx.rx).map(drop),
        Action::PrescriptionPrint => rx::print(t, who, &fx.rx).map(drop),
        Action::DrugCatalogEdit => {
            rx::add_brand(t, who, &format!("Brand{n}"), "ibuprofen").map(drop)
        }
        Action::BillingView => fees::schedule(t, who, false).map(drop),
        Action::FeeScheduleEdit => fees::save_fee(
            t,
            who,
            &FeeForm {
                code: &format!("F{n}"),
                name: "Access test fee",
                kind: "service",
                price: "5",
                tax: "",
            },
        )
        .map(drop),
        Action::VisitServiceWrite => {
            fees::add_visit_service(t, who, &fx.draft, "CONS", "1").map(drop)
        }
        Action::InvoiceWrite => invoices::create(t, who, mrn, None).map(drop),
        Action::PaymentTake => {
            let number = issued_invoice(c, mrn);
            payments::pay(t, who, &number, &cash("10")).map(drop)
        }
        Action::PaymentRefund => {
            let number = issued_invoice(c, mrn);
            payments::pay(t, &c.admin, &number, &cash("10")).unwrap();
            let form = RefundForm {
                method: "cash",
                amount: "10",
                reason: "access test",
            };
            payments::refund(t, who, &number, &form).map(drop)
        }
        Action::InvoiceVoid => {
            let number = issued_invoice(c, mrn);
            payments::void(t, who, &number, "access test").map(drop)
        }
        Action::CreditNoteIssue => {
            let number = issued_invoice(c, mrn);
            payments::credit_note(t, who, &number, "", "access test").map(drop)
        }
        Action::CloseOut => reports::closeout(t, who, "today", None).map(drop),
        Action::SyncView => sync::status(t, who).map(drop),
        Action::SyncManage => sync::disconnect(t, who),
        // With no conflict to settle, a permitted person is told there is none.
        Action::ConflictResolve => match sync::resolve(t, who, "none", "none") {
            Err(CoreError::Refused {
                field: Some("conflict"),
                ..
            }) => Ok(()),
            other => other,
        },
        // Restoring consumes the open clinic; it has its own test in `backup`. Settling a
        // safety-list conflict needs two desktops; it has its own test in the sync tests.
        Action::BackupRestore | Action::SafetyConflictResolve => Ok(()),
    }
}

#[test]
fn every_role_against_every_action() {
    let c = clinic();
    let fx = fixture(&c);
    let mut checked = 0;
    let mut n = 1;
    for role in Role::ALL {
        let username = format!("{role}1");
        let who = person(&c, &username, role.as_str());
        let password = format!("{username} password 1");
        for (action, _) in tend_domain::permission::TABLE {
            if matches!(
                *action,
                Action::BackupRestore | Action::SafetyConflictResolve
            ) {
                continue;
            }
            n += 1;
            let got = attempt(&c, &fx, &who, &password, *action, n);
            let expected = role_can(role, *action);
            match (&got, expected) {
                (Ok(()), true) => {}
                (Err(CoreError::Forbidden { action: a }), false) => assert_eq!(a, action),
                _ => panic!("{role} × {action}: expected allowed={expected}, got {got:?}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * (tend_domain::permission::TABLE.len() - 2));
}

#[test]
fn roles_are_read_fresh_on_every_check() {
    let c = clinic();
    let ana = person(&c, "ana", "receptionist,admin");
    users::list(&c.tend, &ana).unwrap();
    users::set_roles(&c.tend, &c.admin, "ana", "receptionist").unwrap();
    let err = users::list(&c.tend, &ana).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Forbidden {
                action: Action::UserList
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_refusal_is_audited() {
    let c = clinic();
    let nurse = person(&c, "nina", "nurse");
    let before = audit::verify(&c.tend, &c.admin).unwrap().verified;
    assert!(users::list(&c.tend, &nurse).is_err());
    let after = audit::verify(&c.tend, &c.admin).unwrap().verified;
    // The refusal, plus the first verification's own entry.
    assert_eq!(after, before + 2);
}

#[test]
fn the_desk_tells_each_person_what_they_may_do_and_when_it_locks() {
    let c = clinic();
    let desk = clinic::desk(&c.tend, &c.admin).unwrap();
    assert!(desk.can.contains(&"clinic.edit") && !desk.can.contains(&"chart.read"));
    assert_eq!(
        (desk.idle_lock_minutes, desk.today.as_str()),
        (10, "2026-11-24")
    );

    let rosa = person(&c, "rosa", "receptionist");
    let front = clinic::desk(&c.tend, &rosa).unwrap();
    assert!(front.can.contains(&"payment.take"));
    for clinical in ["chart.read", "note.read", "rx.write", "clinic.edit"] {
        assert!(!front.can.contains(&clinical), "{clinical}");
    }

    for bad in ["0", "241", "ten", "1.5"] {
        let e = clinic::set_idle_lock(&c.tend, &c.admin, bad).unwrap_err();
        assert_eq!(e.field(), Some("idle_lock_minutes"), "{bad}");
    }
    let e = clinic::set_idle_lock(&c.tend, &rosa, "30").unwrap_err();
    assert_eq!(e.code(), "forbidden");
    clinic::set_idle_lock(&c.tend, &c.admin, " 15 ").unwrap();
    assert_eq!(clinic::desk(&c.tend, &rosa).unwrap().idle_lock_minutes, 15);
}

#[test]
fn the_audit_viewer_filters_by_day_user_and_action_and_pages_back() {
    use tend_core::api::forms::AuditSearch;
    use tend_core::audit::search;
    let c = clinic();
    let rosa = person(&c, "rosa", "receptionist");
    clinic::set_idle_lock(&c.tend, &c.admin, "15").unwrap();
    clinic::set_idle_lock(&c.tend, &c.admin, "20").unwrap();
    let q = |action: &str, user: &str| AuditSearch {
        action: action.into(),
        user: user.into(),
        from: "2026-11-24".into(),
        to: "2026-11-24".into(),
        ..AuditSearch::default()
    };
    let rows = search(&c.tend, &c.admin, &q("clinic.idle", "")).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0].seq > rows[1].seq, "newest first");
    assert_eq!(rows[0].user.as_deref(), Some("Dr. Zoë Ørsted"));
    assert!(
        search(&c.tend, &c.admin, &q("clinic.idle", "rosa"))
            .unwrap()
            .is_empty()
    );
    let other_day = AuditSearch {
        from: "2026-11-25".into(),
        to: "2026-11-25".into(),
        ..q("clinic.idle", "")
    };
    assert!(search(&c.tend, &c.admin, &other_day).unwrap().is_empty());

    let page = AuditSearch {
        limit: 1,
        ..q("clinic.idle", "")
    };
    let first = search(&c.tend, &c.admin, &page).unwrap();
    let next = AuditSearch {
        before: Some(first[0].seq),
        ..page
    };
    assert_eq!(
        search(&c.tend, &c.admin, &next).unwrap()[0].seq,
        rows[1].seq
    );

    for (bad, field) in [
        (
            AuditSearch {
                from: "31/02/2026".into(),
                ..AuditSearch::default()
            },
            "from",
        ),
        (
            AuditSearch {
                from: "2026-11-24".into(),
                to: "2026-11-20".into(),
                ..AuditSearch::default()
            },
            "to",
        ),
        (
            AuditSearch {
                user: "nobody".into(),
                ..AuditSearch::default()
            },
            "user",
        ),
    ] {
        assert_eq!(
            search(&c.tend, &c.admin, &bad).unwrap_err().field(),
            Some(field)
        );
    }
    assert_eq!(
        search(&c.tend, &rosa, &AuditSearch::default())
            .unwrap_err()
            .code(),
        "forbidden"
    );
}
