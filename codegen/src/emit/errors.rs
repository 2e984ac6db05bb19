//! `ErrorCode`: the global errcode list as an enum with an `Other(i64)` fallback, plus one
//! table of facts per code (meaning, category, retry advice) that the runtime reads.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::docs::{doc_attrs, paragraphs};
use super::types::ident;
use crate::model::*;
use crate::naming;

/// With no `errors.yaml` the enum still exists, holding only `Other`.
pub fn error_codes(list: Option<&ErrorList>) -> TokenStream {
    let empty = ErrorList {
        display_path: String::new(),
        doc: String::new(),
        entries: Vec::new(),
    };
    let list = list.unwrap_or(&empty);
    // The table is searched by code, so it is sorted by code.
    let mut entries: Vec<&ErrorEntry> = list.entries.iter().collect();
    entries.sort_by_key(|e| e.code);
    let variants: Vec<_> = entries
        .iter()
        .map(|e| ident(&naming::type_name(&e.name)))
        .collect();
    let codes: Vec<Literal> = entries
        .iter()
        .map(|e| Literal::i64_unsuffixed(e.code))
        .collect();
    let docs: Vec<TokenStream> = entries
        .iter()
        .map(|e| doc_attrs(&format!("`{}`: {}", e.code, e.meaning)))
        .collect();
    let rows: Vec<TokenStream> = entries
        .iter()
        .zip(&variants)
        .map(|(e, variant)| {
            error_row(e, quote! { ErrorCode::#variant }, {
                let code = Literal::i64_unsuffixed(e.code);
                quote! { #code }
            })
        })
        .collect();
    let count = Literal::usize_unsuffixed(entries.len());
    let doc = doc_attrs(&paragraphs(&[
        "A DingTalk `errcode`, from the spec's error list.",
        &list.doc,
        "Codes the list does not know become [`ErrorCode::Other`].",
    ]));
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #( #docs #variants, )*
            /// A code that is not in the spec's list.
            Other(i64),
        }

        /// Every listed code with its facts, sorted by code.
        static ERROR_TABLE: [crate::error::ErrorInfo<ErrorCode, i64>; #count] = [ #(#rows),* ];

        impl ErrorCode {
            /// The code for a numeric `errcode`.
            pub fn from_code(code: i64) -> Self {
                ERROR_TABLE
                    .binary_search_by_key(&code, |info| info.code)
                    .map_or(Self::Other(code), |index| ERROR_TABLE[index].variant)
            }

            /// The numeric `errcode`.
            pub fn code(self) -> i64 {
                match self {
                    #( Self::#variants => #codes, )*
                    Self::Other(code) => code,
                }
            }

            /// The spec's facts about this code (`None` for unlisted codes).
            pub(crate) fn info(self) -> Option<&'static crate::error::ErrorInfo<ErrorCode, i64>> {
                ERROR_TABLE
                    .binary_search_by_key(&self.code(), |info| info.code)
                    .ok()
                    .map(|index| &ERROR_TABLE[index])
            }
        }
    }
}

/// One `ErrorInfo { .. }` literal of a generated error table.
pub fn error_row(entry: &ErrorEntry, variant: TokenStream, code: TokenStream) -> TokenStream {
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
            code: #code,
            variant: #variant,
            meaning: #meaning,
            category: crate::error::ErrorCategory::#category,
            retry: crate::error::RetryAdvice::#retry,
            wait: crate::error::SpecWait::#wait,
            max_retries: #max_retries,
            carries_sub_code: #carries_sub_code,
        }
    }
}
