//! The macro that turns the one list of commands in `commands.rs` into everything a command
//! needs: the Tauri handler, the names the build script grants to the window, the handler list
//! the shell registers, and (in a test) the UI's typed client and the TypeScript types of every
//! argument and answer, generated from the Rust types with ts-rs.
//!
//! A command is written once, in `commands.rs`:
//!
//! ```text
//! /// What it does (copied into the generated client).
//! patient_get(mrn: String) -> Patient = |_app, d| d.run(|t, s| patients::get(t, s, &mrn));
//! ```
//!
//! `|app, d|` names the shell's handle and the [`Desktop`](tend_core::desktop::Desktop); a
//! command that needs neither names them `_app` and `_d`. `build.rs` reads the same list with its
//! own small macro, for the names only.

/// Defines every desktop command; see the module's documentation for the form of an entry.
macro_rules! desk_commands {
    (
        preamble { $($import:item)* }
        $(
            $(#[doc = $doc:literal])*
            $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty
                = |$app:ident, $d:ident| $body:expr;
        )*
    ) => {
        $($import)*

        $(
            $(#[doc = $doc])*
            #[tauri::command(rename_all = "snake_case")]
            // The arguments are the fields the page sends, named; two more are the shell's.
            #[allow(clippy::too_many_arguments)]
            pub async fn $name(
                $app: tauri::AppHandle,
                $d: tauri::State<'_, tend_core::desktop::Desktop>,
                $($arg: $ty),*
            ) -> Result<$ret, tend_core::api::ApiError> {
                $body
            }
        )*

        /// Every command's name, in the order of the list.
        #[cfg(test)]
        pub const ALL: &[&str] = &[$(stringify!($name)),*];

        /// The handler the shell registers: every command of the list.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// Describes every command to the TypeScript generator.
        #[cfg(test)]
        pub fn describe(client: &mut $crate::registry::typescript::Client) {
            $(
                client.command(stringify!($name), &[$($doc),*]);
                $( client.arg::<$ty>(stringify!($arg)); )*
                client.answer::<$ret>();
            )*
        }
    };
}

/// A document's bytes, sent to the page as an `ArrayBuffer` rather than a JSON array.
#[derive(ts_rs::TS)]
pub struct Bytes(#[ts(type = "ArrayBuffer")] pub Vec<u8>);

impl tauri::ipc::IpcResponse for Bytes {
    fn body(self) -> tauri::Result<tauri::ipc::InvokeResponseBody> {
        Ok(tauri::ipc::InvokeResponseBody::Raw(self.0))
    }
}

#[cfg(test)]
pub mod typescript {
    //! The UI's client and types, written from the command list and the Rust types.

    use std::any::TypeId;
    use std::collections::{BTreeMap, HashSet};
    use std::fmt::Write;
    use ts_rs::{Config, TS, TypeVisitor};

    /// Collects each command's function and every type they use.
    pub struct Client {
        config: Config,
        seen: HashSet<TypeId>,
        types: BTreeMap<String, String>,
        functions: String,
        current: Option<Command>,
    }

    struct Command {
        name: String,
        docs: Vec<String>,
        args: Vec<(String, String)>,
    }

    impl TypeVisitor for Client {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            if !self.seen.insert(TypeId::of::<T>()) {
                return;
            }
            if T::output_path().is_some() {
                let docs = T::docs().unwrap_or_default();
                let decl = format!("{docs}export {}\n", T::decl(&self.config));
                let ident = T::ident(&self.config);
                if let Some(other) = self.types.get(&ident) {
                    assert_eq!(
                        other, &decl,
                        "two Rust types are both called {ident} in TypeScript: rename one with #[ts(rename = \"...\")]"
                    );
                }
                self.types.insert(ident, decl);
            }
            T::visit_dependencies(self);
            T::visit_generics(self);
        }
    }

    impl Client {
        pub fn new() -> Self {
            Client {
                config: Config::new().with_large_int("number"),
                seen: HashSet::new(),
                types: BTreeMap::new(),
                functions: String::new(),
                current: None,
            }
        }

        pub fn command(&mut self, name: &str, docs: &[&str]) {
            self.current = Some(Command {
                name: name.to_owned(),
                docs: docs.iter().map(|d| d.trim().to_owned()).collect(),
                args: Vec::new(),
            });
        }

        /// A union of string literals the page may name, declared from values only Rust knows
        /// (the permission table's action names).
        pub fn union(&mut self, name: &str, docs: &str, values: impl IntoIterator<Item = String>) {
            let values: Vec<String> = values.into_iter().map(|v| format!("\"{v}\"")).collect();
            let decl = format!(
                "/** {docs} */\nexport type {name} = {};\n",
                values.join(" | ")
            );
            assert!(
                self.types.insert(name.to_owned(), decl).is_none(),
                "{name} is declared twice"
            );
        }

        /// A type the page needs that no command names (the error every command can throw).
        pub fn also<T: TS + 'static>(&mut self) {
            self.visit::<T>();
        }

        pub fn arg<T: TS + 'static>(&mut self, name: &str) {
            self.visit::<T>();
            let ty = T::name(&self.config);
            if let Some(c) = self.current.as_mut() {
                c.args.push((name.to_owned(), ty));
            }
        }

        pub fn answer<T: TS + 'static>(&mut self) {
            self.visit::<T>();
            let answer = T::name(&self.config);
            let Some(c) = self.current.take() else { return };
            let f = &mut self.functions;
            if !c.docs.is_empty() {
                let _ = writeln!(f, "  /** {} */", c.docs.join(" "));
            }
            // A Rust name that is a reserved word in TypeScript (`with`) is a parameter `with_`.
            let param = |n: &str| {
                if RESERVED.contains(&n) {
                    format!("{n}_")
                } else {
                    n.to_owned()
                }
            };
            let params: Vec<String> = c
                .args
                .iter()
                .map(|(n, t)| format!("{}: {t}", param(n)))
                .collect();
            let names: Vec<String> = c
                .args
                .iter()
                .map(|(n, _)| match param(n) {
                    p if p == *n => p,
                    p => format!("{n}: {p}"),
                })
                .collect();
            let args = if names.is_empty() {
                String::new()
            } else {
                format!(", {{ {} }}", names.join(", "))
            };
            let _ = writeln!(
                f,
                "  {}: ({}) => call<{answer}>(\"{}\"{args}),",
                camel(&c.name),
                params.join(", "),
                c.name,
            );
        }

        /// The whole generated file.
        pub fn finish(self) -> String {
            let mut out = String::from(
                "// Generated from src-tauri/src/commands.rs and the Rust types it names, by\n\
                 // `cargo test -p tend-desktop generated`. Do not edit: change the Rust and run it.\n\
                 /* eslint-disable */\n\
                 import { call } from \"./call\";\n\n",
            );
            for decl in self.types.values() {
                out.push_str(decl);
                out.push('\n');
            }
            out.push_str("/** Every command of the desktop shell, as a typed function. */\n");
            out.push_str("export const commands = {\n");
            out.push_str(&self.functions);
            out.push_str("};\n");
            out
        }
    }

    /// Words TypeScript does not allow as a parameter's name.
    const RESERVED: &[&str] = &[
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
    ];

    /// `patient_search` → `patientSearch`.
    pub fn camel(name: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for ch in name.chars() {
            if ch == '_' {
                upper = true;
            } else if upper {
                out.extend(ch.to_uppercase());
                upper = false;
            } else {
                out.push(ch);
            }
        }
        out
    }
}
