//! How spec names become Rust names. Keywords and leading digits are fixed here, so spec
//! authors always write DingTalk's wire names.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// `deptPerimits` -> `dept_perimits`, `type` -> `type_`, `2fa` -> `n2fa`, and `new` ->
/// `new_` (every request has a constructor called `new`).
pub fn field_name(wire: &str) -> String {
    let snake = wire.to_snake_case();
    let snake = if snake.is_empty() {
        "value".to_string()
    } else {
        snake
    };
    if snake == "new" {
        return "new_".to_string();
    }
    fix_ident(snake)
}

/// Names the generated code uses unqualified; a spec type by that name would shadow them.
pub const PRELUDE_NAMES: &[&str] = &[
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Drop",
    "Eq",
    "Err",
    "Fn",
    "From",
    "Hash",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "PartialEq",
    "Result",
    "Self",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToString",
    "Vec",
];

/// `get_by_mobile` -> `GetByMobile`.
pub fn type_name(name: &str) -> String {
    let camel = name.to_upper_camel_case();
    if camel.is_empty() {
        return "Value".to_string();
    }
    fix_ident(camel)
}

/// Enum variants: `zh_CN` -> `ZhCn`, `0` -> `Value0`.
pub fn variant_name(wire: &str) -> String {
    let camel = wire.to_upper_camel_case();
    if camel.is_empty() || camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Value{camel}")
    } else {
        fix_ident(camel)
    }
}

fn fix_ident(name: String) -> String {
    let name = if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{name}")
    } else {
        name
    };
    if is_keyword(&name) {
        format!("{name}_")
    } else {
        name
    }
}

/// True for names that are not usable as plain identifiers (Rust keywords and `Self`).
pub fn is_keyword(name: &str) -> bool {
    // `gen` is reserved from edition 2024 on, which syn does not know about.
    matches!(name, "self" | "Self" | "super" | "crate" | "_" | "gen")
        || syn::parse_str::<syn::Ident>(name).is_err()
}

/// True if `name` is already in snake_case (endpoint names must be).
pub fn is_snake_case(name: &str) -> bool {
    name.to_snake_case() == name
}

/// True if `name` is already in UpperCamelCase (type names must be).
pub fn is_upper_camel_case(name: &str) -> bool {
    name.to_upper_camel_case() == name
}
