//! Tidy checks over the source tree, in the spirit of rust-analyzer's `tidy.rs`: every module
//! says what it is for, ARCHITECTURE.md names only files that exist, and every source file is
//! on its crate's map. They read files only; a failure lists every offender at once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// Files under `dir` (relative to the repository), recursively, skipping build output and
/// installed packages.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "target" | "node_modules" | "dist" | "gen" | "__pycache__"
                ) && !name.starts_with('.')
                {
                    todo.push(path);
                }
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The Rust crates of the workspace (and the server's own): their folders.
fn crate_dirs() -> Vec<PathBuf> {
    let r = root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(r.join("crates"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.push(r.join("src-tauri"));
    dirs.push(r.join("tests"));
    dirs.sort();
    dirs
}

fn rust_files() -> Vec<PathBuf> {
    crate_dirs()
        .iter()
        .flat_map(|d| files_under(d))
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect()
}

#[test]
fn every_module_says_what_it_is_for() {
    let missing: Vec<String> = rust_files()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text
                .lines()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.starts_with("//!"))
        })
        .map(|p| rel(&p))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not start with a `//!` line saying what they are for:\n{}",
        missing.join("\n")
    );
}

/// ARCHITECTURE.md's sections: the folder a section maps (from a heading such as
/// "## `crates/store` (tend-store)"), and its text.
fn sections() -> Vec<(Option<String>, String)> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap_or_default();
    let mut out: Vec<(Option<String>, String)> = vec![(None, String::new())];
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let folder = heading
                .split('`')
                .nth(1)
                .filter(|f| root().join(f.trim_end_matches('/')).is_dir())
                .map(|f| f.trim_end_matches('/').to_owned());
            out.push((folder, String::new()));
        }
        if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// The backquoted names in `text` that look like a file or folder of the repository.
fn named_paths(text: &str) -> BTreeSet<String> {
    const EXTENSIONS: [&str; 10] = [
        ".rs", ".md", ".toml", ".sql", ".ts", ".svelte", ".py", ".sh", ".json", ".yml",
    ];
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| {
            !t.contains(['*', '<', ' ', ':', '('])
                && (EXTENSIONS.iter().any(|e| t.ends_with(e)) || (t.ends_with('/') && t.len() > 1))
        })
        .map(str::to_owned)
        .collect()
}

/// Whether `name`, as written in the section of `folder`, is a file or folder that exists: a
/// path from the repository's root or the section's folder, or a file name (or the end of a
/// path) somewhere in that folder.
fn exists(name: &str, folder: Option<&str>) -> bool {
    let r = root();
    let base = folder.map(|f| r.join(f)).unwrap_or_else(|| r.clone());
    let trimmed = name.trim_end_matches('/');
    if r.join(trimmed).exists()
        || base.join(trimmed).exists()
        || base.join("src").join(trimmed).exists()
    {
        return true;
    }
    let suffix = format!("/{trimmed}");
    files_under(&base).iter().any(|p| {
        let p = rel(p);
        if name.ends_with('/') {
            p.contains(&format!("{suffix}/"))
        } else {
            p.ends_with(&suffix)
        }
    })
}

#[test]
fn architecture_names_only_files_that_exist() {
    let mut stale = Vec::new();
    for (folder, body) in sections() {
        for name in named_paths(&body) {
            if !exists(&name, folder.as_deref()) {
                stale.push(format!(
                    "`{name}` (in the section of {})",
                    folder.as_deref().unwrap_or("the whole repository")
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "ARCHITECTURE.md names files that do not exist:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_source_file_is_on_its_crates_map() {
    let sections = sections();
    let mut unmapped = Vec::new();
    for dir in crate_dirs() {
        let folder = rel(&dir);
        let Some((_, body)) = sections.iter().find(|(f, _)| f.as_deref() == Some(&folder)) else {
            unmapped.push(format!("{folder}/ has no section (\"## `{folder}` ...\")"));
            continue;
        };
        let named = named_paths(body);
        for file in files_under(&dir.join("src")) {
            let path = rel(&file);
            let name = path.rsplit('/').next().unwrap_or_default();
            let is_test = name == "tests.rs" || name.ends_with("_tests.rs");
            if !name.ends_with(".rs") || matches!(name, "lib.rs" | "main.rs" | "mod.rs") || is_test
            {
                continue;
            }
            if !named
                .iter()
                .any(|n| path.ends_with(&format!("/{n}")) || n == name)
            {
                unmapped.push(path);
            }
        }
    }
    assert!(
        unmapped.is_empty(),
        "these source files are not named in their crate's section of ARCHITECTURE.md:\n{}",
        unmapped.join("\n")
    );
}

/// The design the code relies on is in the repository (`docs/design.md`); nothing cites a file
/// that only some checkouts have.
#[test]
fn nothing_cites_a_design_outside_the_repository() {
    let r = root();
    let mut files = rust_files();
    for dir in ["docs", "ui/src", "scripts", "tests/e2e"] {
        files.extend(files_under(&r.join(dir)));
    }
    files.extend(["README.md", "ARCHITECTURE.md"].iter().map(|f| r.join(f)));
    let citing: Vec<String> = files
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(p)
                .map(|t| {
                    t.contains(concat!("DESIGN", ".md")) || t.contains(concat!("..", "/shared/"))
                })
                .unwrap_or(false)
        })
        .map(|p| rel(&p))
        .collect();
    assert!(
        citing.is_empty(),
        "these files cite a design document outside the repository (use docs/design.md):\n{}",
        citing.join("\n")
    );
}
