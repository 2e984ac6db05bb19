//! `ErrorCode`: the global errcode list as an enum with an `Other(i64)` fallback.

use proc_macro2::TokenStream;
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
    let variants: Vec<_> = list
        .entries
        .iter()
        .map(|e| ident(&naming::type_name(&e.name)))
        .collect();
    let codes: Vec<proc_macro2::Literal> = list
        .entries
        .iter()
        .map(|e| proc_macro2::Literal::i64_unsuffixed(e.code))
        .collect();
    let meanings: Vec<&str> = list.entries.iter().map(|e| e.meaning.as_str()).collect();
    let docs: Vec<TokenStream> = list
        .entries
        .iter()
        .map(|e| doc_attrs(&format!("`{}`: {}", e.code, e.meaning)))
        .collect();
    let categories: Vec<TokenStream> = list
        .entries
        .iter()
        .map(|e| {
            let c = match e.category {
                ErrorCategory::Token => quote! { Token },
                ErrorCategory::Permission => quote! { Permission },
                ErrorCategory::RateLimit => quote! { RateLimit },
                ErrorCategory::NotFound => quote! { NotFound },
                ErrorCategory::InvalidParam => quote! { InvalidParam },
                ErrorCategory::System => quote! { System },
            };
            quote! { crate::error::ErrorCategory::#c }
        })
        .collect();
    let retries: Vec<TokenStream> = list
        .entries
        .iter()
        .map(|e| {
            let r = match e.retry {
                Retry::Never => quote! { Never },
                Retry::Backoff => quote! { Backoff },
                Retry::AfterTokenRefresh => quote! { AfterTokenRefresh },
            };
            quote! { crate::error::RetryAdvice::#r }
        })
        .collect();
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

        impl ErrorCode {
            /// The code for a numeric `errcode`.
            pub fn from_code(code: i64) -> Self {
                match code {
                    #( #codes => Self::#variants, )*
                    other => Self::Other(other),
                }
            }

            /// The numeric `errcode`.
            pub fn code(self) -> i64 {
                match self {
                    #( Self::#variants => #codes, )*
                    Self::Other(code) => code,
                }
            }

            /// What the code means, in English (`None` for unlisted codes).
            pub fn meaning(self) -> Option<&'static str> {
                match self {
                    #( Self::#variants => Some(#meanings), )*
                    Self::Other(_) => None,
                }
            }

            /// The kind of problem (`None` for unlisted codes).
            pub fn category(self) -> Option<crate::error::ErrorCategory> {
                match self {
                    #( Self::#variants => Some(#categories), )*
                    Self::Other(_) => None,
                }
            }

            /// What to do about it (unlisted codes: [`RetryAdvice::Never`](crate::error::RetryAdvice::Never)).
            pub fn retry_advice(self) -> crate::error::RetryAdvice {
                match self {
                    #( Self::#variants => #retries, )*
                    Self::Other(_) => crate::error::RetryAdvice::Never,
                }
            }
        }
    }
}
