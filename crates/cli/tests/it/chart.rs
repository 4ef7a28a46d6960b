//! The chart from the terminal: `patient search --json` and `chart --json` for scripting, the
//! duplicate check's exit status, and synthetic demo clinics.

use crate::support::{add_user, as_user, init, run, tend};

#[test]
fn register_search_and_read_the_chart_as_json() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    add_user(dir.path(), "rosa", "receptionist");
    add_user(dir.path(), "drana", "doctor");
    let register = |extra: &[&str]| {
        run(as_user(dir.path(), "rosa")
            .args([
                "--json",
                "patient",
                "register",
                "--given",
                "José",
                "--family",
                "Müller-Øster",
            ])
            .args([
                "--dob",
                "01/07/1962",
                "--phone",
                "91 555 12 12",
                "--sex",
                "m",
            ])
            .args(extra))
    };
    let p = register(&[]).ok().json();
    let mrn = p["mrn"].as_str().unwrap().to_owned();
    assert_eq!(p["display_name"], "José Müller-Øster");

    // The same person again: refused with the list, exit 4, nothing saved.
    let again = register(&[]);
    assert_eq!(again.code, 4, "{again:?}");
    let listed: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(listed["possible_duplicates"][0]["patient"]["mrn"], mrn);
    let hits =
        run(as_user(dir.path(), "rosa").args(["--json", "patient", "search", "muller oster"]))
            .ok()
            .json();
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["mrn"], mrn);
    let hits = run(as_user(dir.path(), "rosa").args(["--json", "patient", "search", "555 12 12"]))
        .ok()
        .json();
    assert_eq!(hits[0]["mrn"], mrn);

    let doctor = |args: &[&str]| run(as_user(dir.path(), "drana").args(args));
    doctor(&[
        "allergy",
        "add",
        &mrn,
        "--substance",
        "Penicillin",
        "--severity",
        "severe",
    ])
    .ok();
    doctor(&["problem", "add", &mrn, "--code", "I10"]).ok();
    doctor(&[
        "vitals", &mrn, "--bp", "150/95", "--weight", "80", "--height", "175",
    ])
    .ok();
    let bad = doctor(&["vitals", &mrn, "--bp", "95/150"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("Blood pressure: the diastolic pressure must be lower"),
        "{}",
        bad.stderr
    );
    let chart = doctor(&["--json", "chart", &mrn]).ok().json();
    assert_eq!(
        chart["banner"]["allergies"]["active"][0]["substance"],
        "Penicillin"
    );
    assert_eq!(chart["problems"][0]["code"], "I10");
    let systolic = chart["latest_vitals"]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["measure"] == "systolic")
        .unwrap()
        .clone();
    assert_eq!(systolic["flag"], "high");

    // The front desk cannot read the chart.
    let r = run(as_user(dir.path(), "rosa").args(["chart", &mrn]));
    assert_eq!(
        r.stderr.trim(),
        "error: You do not have permission to do this (chart.read)"
    );
}

#[test]
fn a_synthetic_demo_is_the_same_for_the_same_seed() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let demo = |dir: &std::path::Path| {
        run(tend(dir).args([
            "--json",
            "demo",
            "--patients",
            "60",
            "--seed",
            "9",
            "--as-of",
            "2026-11-24",
        ]))
        .ok()
        .json()
    };
    let (a, b) = (demo(one.path()), demo(two.path()));
    assert_eq!(a["synthetic"]["patients"], 60);
    assert_eq!(a["synthetic"]["visits"], b["synthetic"]["visits"]);
    assert_eq!(a["synthetic"]["events"], b["synthetic"]["events"]);
    assert!(
        a["synthetic"]["visits"].as_u64().unwrap() >= 1000,
        "one patient with 1,000+ visits"
    );
    let names = |dir: &std::path::Path| {
        let mut cmd = tend(dir);
        cmd.env("TEND_PASSPHRASE", "demo clinic passphrase")
            .env("TEND_PASSWORD", "rosa demo password")
            .args([
                "--user", "rosa", "--json", "patient", "search", "a", "--limit", "50",
            ]);
        let hits = run(&mut cmd).ok().json();
        hits.as_array()
            .unwrap()
            .iter()
            .map(|h| (h["display_name"].clone(), h["birth_date"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(one.path()), names(two.path()));
    // The demo's schedule is as repeatable as its patients, and a day near `--as-of` is busy.
    let appointments = a["schedule"]["appointments"].as_u64().unwrap();
    assert!(appointments > 100, "{appointments}");
    assert_eq!(a["schedule"]["appointments"], b["schedule"]["appointments"]);
    assert_eq!(a["schedule"]["days"], b["schedule"]["days"]);
    let day = |dir: &std::path::Path| {
        let mut cmd = tend(dir);
        cmd.env("TEND_PASSPHRASE", "demo clinic passphrase")
            .env("TEND_PASSWORD", "rosa demo password")
            .args(["--user", "rosa", "--json", "schedule", "day", "2026-11-25"]);
        let day = run(&mut cmd).ok().json();
        day["providers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["appointments"].as_array().unwrap().clone())
            .map(|a| {
                // The device code in the MRN differs between the two clinics; the number does not.
                let mrn = a["patient_mrn"].as_str().unwrap();
                (
                    a["local_start"].clone(),
                    mrn[mrn.find('-').unwrap()..].to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let busy = day(one.path());
    assert!(busy.len() > 20, "a full day for three clinicians: {busy:?}");
    assert_eq!(busy, day(two.path()));
    let again = run(tend(one.path()).args(["demo", "--patients", "10"]));
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("already has 60 patients"),
        "{}",
        again.stderr
    );
}
