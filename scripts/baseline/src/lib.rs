//! Uses each dependency once so the baseline compiles what a client would.

/// Builds an HTTP client and round-trips a value through JSON.
pub fn touch() -> Result<String, serde_json::Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let _client = reqwest::Client::builder().build();
    let _handle = tokio::runtime::Handle::try_current();
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Probe {
        value: i64,
    }
    let text = serde_json::to_string(&Probe { value: 1 })?;
    let probe: Probe = serde_json::from_str(&text)?;
    Ok(probe.value.to_string())
}
