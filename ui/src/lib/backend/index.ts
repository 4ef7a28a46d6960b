// The UI's backend: every command as a typed function and every type it sends or receives,
// all generated from the Rust (`generated.ts`, by `cargo test -p tend-desktop generated`).
import { commands } from "./generated";

export type * from "./generated";
export { isApiError, onSessionLost } from "./call";

/** Every desktop command, named as in `src-tauri/src/commands.rs` (`patient_search` → `patientSearch`). */
export const api = commands;
