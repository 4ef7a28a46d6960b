//! Builds the ICD-10-CM catalog's index from `assets/icd10cm/` when the crate is compiled, so
//! the app searches it where it lies in the binary instead of building it in memory on the first
//! search (which took about 0.3 s and kept some 30 MB for the rest of the day).
//!
//! Everything is little-endian; `src/icd10cm.rs` reads it. In `OUT_DIR`:
//! - `icd10cm_entries.bin`: per code, in code order, 12 bytes: the code in ASCII padded with
//!   zero bytes to 8, the description's length in bytes (u16), 1 when billable, 0.
//! - `icd10cm_blocks.bin`: `description\tterms\n` of `BLOCK` codes at a time, deflated, one
//!   after another; `icd10cm_block_ends.bin`: where each block ends (u32).
//! - `icd10cm_words.bin`: every folded word of the descriptions and terms, sorted, one after
//!   another; `icd10cm_word_ends.bin`: per word, where its text ends and where its postings end
//!   (u32, u32).
//! - `icd10cm_postings.bin`: per word, the indexes of the codes it occurs in, ascending, each
//!   shifted left by one with the low bit set when the word is in the description (u32).

#[path = "src/fold.rs"]
mod fold;

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::io::{Read, Write};
use std::path::Path;

const DATA: &str = "../../assets/icd10cm/icd10cm-2026.tsv.gz";
/// Codes per block; must equal `BLOCK` in `src/icd10cm.rs`.
const BLOCK: usize = 256;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed={DATA}");
    println!("cargo::rerun-if-changed=src/fold.rs");
    println!("cargo::rerun-if-changed=build.rs");
    let out = std::env::var("OUT_DIR")?;
    let out = Path::new(&out);

    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(DATA)?).read_to_string(&mut text)?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut f = line.split('\t');
        let (Some(code), Some(billable), Some(description)) = (f.next(), f.next(), f.next()) else {
            return Err(format!("{DATA} line {}: fewer than 3 fields", n + 1).into());
        };
        let terms = f.next().unwrap_or_default();
        if code.is_empty() || code.len() > 8 || !code.is_ascii() {
            return Err(format!("{DATA} line {}: code {code:?} is not 1-8 ASCII", n + 1).into());
        }
        let len = u16::try_from(description.len())
            .map_err(|_| format!("{DATA} line {}: description too long", n + 1))?;
        rows.push((code, billable == "1", len, description, terms));
    }
    // The file is in the tabular list's order; the catalog is in code order.
    rows.sort_by_key(|r| r.0);
    if rows.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(format!("{DATA}: a code appears twice").into());
    }

    let mut entries = Vec::with_capacity(rows.len() * 12);
    let mut blocks = Vec::new();
    let mut block_ends = Vec::new();
    let mut block = String::new();
    let mut words: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, (code, billable, len, description, terms)) in rows.iter().enumerate() {
        let mut padded = [0u8; 8];
        padded[..code.len()].copy_from_slice(code.as_bytes());
        entries.extend_from_slice(&padded);
        entries.extend_from_slice(&len.to_le_bytes());
        entries.extend_from_slice(&[u8::from(*billable), 0]);

        block.push_str(description);
        block.push('\t');
        block.push_str(terms);
        block.push('\n');
        if (i + 1) % BLOCK == 0 || i + 1 == rows.len() {
            let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(block.as_bytes())?;
            blocks.extend_from_slice(&z.finish()?);
            block_ends.extend_from_slice(&u32::try_from(blocks.len())?.to_le_bytes());
            block.clear();
        }

        let mut own: HashMap<String, bool> = HashMap::new();
        for w in fold::tokens(description) {
            own.insert(w, true);
        }
        for w in fold::tokens(terms) {
            own.entry(w).or_insert(false);
        }
        let i = u32::try_from(i)?;
        for (w, in_description) in own {
            words
                .entry(w)
                .or_default()
                .push(i << 1 | u32::from(in_description));
        }
    }

    let mut word_text = Vec::new();
    let mut word_ends = Vec::new();
    let mut postings = Vec::new();
    for (word, list) in &words {
        word_text.extend_from_slice(word.as_bytes());
        for p in list {
            postings.extend_from_slice(&p.to_le_bytes());
        }
        word_ends.extend_from_slice(&u32::try_from(word_text.len())?.to_le_bytes());
        word_ends.extend_from_slice(&u32::try_from(postings.len() / 4)?.to_le_bytes());
    }

    for (name, bytes) in [
        ("icd10cm_entries.bin", &entries),
        ("icd10cm_blocks.bin", &blocks),
        ("icd10cm_block_ends.bin", &block_ends),
        ("icd10cm_words.bin", &word_text),
        ("icd10cm_word_ends.bin", &word_ends),
        ("icd10cm_postings.bin", &postings),
    ] {
        std::fs::write(out.join(name), bytes)?;
    }
    Ok(())
}
