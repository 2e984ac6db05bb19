//! `ErrorCode`: both error lists of the spec as one enum — classic numeric `errcode`s and v1
//! string `code`s — with `Other(i64)` / `OtherV1` fallbacks, plus one table of facts per code
//! (meaning, category, retry advice) that the runtime reads. One `match` (variant to row);
//! lookups by code are binary searches of sorted tables.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::docs::{doc_attrs, paragraphs};
use super::types::ident;
use crate::model::*;
use crate::naming;

/// With no `errors.yaml` the enum still exists, holding only the fallbacks.
pub fn error_codes(list: Option<&ErrorList>) -> TokenStream {
    let empty = ErrorList {
        display_path: String::new(),
        doc: String::new(),
        entries: Vec::new(),
    };
    let list = list.unwrap_or(&empty);
    // Enum order: classic codes by number, then v1 codes as listed.
    let mut entries: Vec<&ErrorEntry> = list.entries.iter().collect();
    entries.sort_by_key(|e| match &e.key {
        ErrorKey::Classic(code) => (0, *code),
        ErrorKey::V1 { .. } => (1, 0),
    });
    let variants: Vec<_> = entries
        .iter()
        .map(|e| ident(&naming::type_name(&e.name)))
        .collect();
    let docs: Vec<TokenStream> = entries
        .iter()
        .map(|e| {
            let label = match &e.key {
                ErrorKey::Classic(code) => format!("`{code}`"),
                ErrorKey::V1 {
                    code: Some(code),
                    http,
                } => format!("v1 `{code}` (HTTP {})", statuses(http)),
                ErrorKey::V1 { code: None, http } => {
                    format!("v1 HTTP {} without a listed code", statuses(http))
                }
            };
            doc_attrs(&format!("{label}: {}", e.meaning))
        })
        .collect();
    let rows: Vec<TokenStream> = entries.iter().map(|e| error_row(e)).collect();
    let indexes: Vec<Literal> = (0..entries.len()).map(Literal::usize_unsuffixed).collect();
    let count = Literal::usize_unsuffixed(entries.len());

    // Lookup tables, each sorted by its key.
    let mut classic: Vec<(i64, usize)> = Vec::new();
    let mut v1: Vec<(&str, usize)> = Vec::new();
    let mut by_status: Vec<(u16, usize)> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        match &entry.key {
            ErrorKey::Classic(code) => classic.push((*code, index)),
            ErrorKey::V1 {
                code: Some(code), ..
            } => v1.push((code.as_str(), index)),
            ErrorKey::V1 { code: None, http } => {
                by_status.extend(http.iter().map(|status| (*status, index)));
            }
        }
    }
    classic.sort();
    v1.sort();
    by_status.sort();
    let pair = |variant: usize| {
        let variant = &variants[variant];
        quote! { ErrorCode::#variant }
    };
    let classic_rows = classic.iter().map(|(code, index)| {
        let code = Literal::i64_unsuffixed(*code);
        let variant = pair(*index);
        quote! { (#code, #variant) }
    });
    let v1_rows = v1.iter().map(|(code, index)| {
        let variant = pair(*index);
        quote! { (#code, #variant) }
    });
    let status_rows = by_status.iter().map(|(status, index)| {
        let status = Literal::u16_unsuffixed(*status);
        let variant = pair(*index);
        quote! { (#status, #variant) }
    });
    let (classic_count, v1_count, status_count) = (
        Literal::usize_unsuffixed(classic.len()),
        Literal::usize_unsuffixed(v1.len()),
        Literal::usize_unsuffixed(by_status.len()),
    );
    let doc = doc_attrs(&paragraphs(&[
        "A DingTalk error code, from the spec's error lists: classic numeric `errcode`s and v1 \
         (api.dingtalk.com) string codes, matched the same way.",
        &list.doc,
        "Codes the lists do not know become [`ErrorCode::Other`] (classic) or \
         [`ErrorCode::OtherV1`] (v1; the text is in `ApiError::v1_code`).",
    ]));
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #( #docs #variants, )*
            /// A classic `errcode` that is not in the spec's list.
            Other(i64),
            /// A v1 code that is not in the spec's list.
            OtherV1,
        }

        /// Every listed code with its facts, in the enum's order.
        static ERROR_TABLE: [crate::error::ErrorInfo; #count] = [ #(#rows),* ];
        /// Classic codes, sorted.
        static CLASSIC_CODES: [(i64, ErrorCode); #classic_count] = [ #(#classic_rows),* ];
        /// v1 codes, sorted.
        static V1_CODES: [(&str, ErrorCode); #v1_count] = [ #(#v1_rows),* ];
        /// v1 statuses whose answers carry no listed code, sorted.
        static V1_STATUSES: [(u16, ErrorCode); #status_count] = [ #(#status_rows),* ];

        impl ErrorCode {
            /// The code for a classic numeric `errcode`.
            pub fn from_code(code: i64) -> Self {
                CLASSIC_CODES
                    .binary_search_by_key(&code, |(code, _)| *code)
                    .map_or(Self::Other(code), |index| CLASSIC_CODES[index].1)
            }

            /// The code for a v1 answer: its `code` text (also matched ignoring case, which
            /// DingTalk varies), else the HTTP status's entry, else [`ErrorCode::OtherV1`].
            pub fn from_v1(code: &str, http_status: u16) -> Self {
                if let Ok(index) = V1_CODES.binary_search_by_key(&code, |(code, _)| *code) {
                    return V1_CODES[index].1;
                }
                if let Some((_, found)) = V1_CODES.iter().find(|(known, _)| known.eq_ignore_ascii_case(code)) {
                    return *found;
                }
                V1_STATUSES
                    .binary_search_by_key(&http_status, |(status, _)| *status)
                    .map_or(Self::OtherV1, |index| V1_STATUSES[index].1)
            }

            /// The spec's facts about this code (`None` for unlisted codes).
            pub(crate) fn info(self) -> Option<&'static crate::error::ErrorInfo> {
                let index = match self {
                    #( Self::#variants => #indexes, )*
                    Self::Other(_) | Self::OtherV1 => return None,
                };
                Some(&ERROR_TABLE[index])
            }
        }
    }
}

fn statuses(http: &[u16]) -> String {
    http.iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join("/")
}

/// One `ErrorInfo { .. }` literal of the generated error table.
fn error_row(entry: &ErrorEntry) -> TokenStream {
    let category = match entry.category {
        ErrorCategory::Token => quote! { Token },
        ErrorCategory::Permission => quote! { Permission },
        ErrorCategory::RateLimit => quote! { RateLimit },
        ErrorCategory::NotFound => quote! { NotFound },
        ErrorCategory::InvalidParam => quote! { InvalidParam },
        ErrorCategory::System => quote! { System },
    };
    let retry = match entry.retry {
        Retry::Never => quote! { Never },
        Retry::Backoff => quote! { Backoff },
        Retry::AfterTokenRefresh => quote! { AfterTokenRefresh },
    };
    let key = match &entry.key {
        ErrorKey::Classic(code) => {
            let code = Literal::i64_unsuffixed(*code);
            quote! { crate::error::ErrorKey::Classic(#code) }
        }
        ErrorKey::V1 {
            code: Some(code), ..
        } => quote! { crate::error::ErrorKey::V1(#code) },
        ErrorKey::V1 { code: None, http } => {
            let status = Literal::u16_unsuffixed(http.first().copied().unwrap_or(0));
            quote! { crate::error::ErrorKey::V1Status(#status) }
        }
    };
    let meaning = &entry.meaning;
    let wait = match entry.wait {
        None => quote! { None },
        Some(RetryWait::QpsWindow) => quote! { QpsWindow },
        Some(RetryWait::Fixed(ms)) => {
            let ms = Literal::u64_unsuffixed(ms);
            quote! { Fixed(#ms) }
        }
    };
    let max_retries = match entry.max_retries {
        Some(n) => {
            let n = Literal::u32_unsuffixed(n);
            quote! { Some(#n) }
        }
        None => quote! { None },
    };
    let carries_sub_code = entry.carries_sub_code;
    quote! {
        crate::error::ErrorInfo {
            key: #key,
            meaning: #meaning,
            category: crate::error::ErrorCategory::#category,
            retry: crate::error::RetryAdvice::#retry,
            wait: crate::error::SpecWait::#wait,
            max_retries: #max_retries,
            carries_sub_code: #carries_sub_code,
        }
    }
}
