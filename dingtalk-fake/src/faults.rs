//! Fault injection: make chosen calls fail the way DingTalk or the network does.

use std::time::Duration;

/// What a fault does to a matching call.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer HTTP 200 with this `errcode` and `errmsg` (rate limits, system busy, ...).
    Errcode { errcode: i64, errmsg: String },
    /// Answer this HTTP status with an HTML error page.
    HttpStatus(u16),
    /// Wait this long before answering.
    Delay(Duration),
    /// Answer HTTP 200 with a body that is not JSON.
    MalformedBody,
    /// Close the connection without answering.
    DropConnection,
    /// Answer like a v1 endpoint refuses: this HTTP status and `{code, message, requestid}`.
    V1Error {
        status: u16,
        code: String,
        message: String,
    },
}

/// A fault: an action, which calls it applies to, how often, and whether the call is
/// processed (state changed) before the fault strikes.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub action: FaultAction,
    /// Endpoint name (`chat.send`) or path (`/chat/send`); `None` = every call but `gettoken`.
    pub endpoint: Option<String>,
    /// How many calls it hits; `None` = every matching call.
    pub remaining: Option<u32>,
    /// Process the call first (the effect happens, the answer is lost).
    pub after_processing: bool,
}

impl Fault {
    fn new(action: FaultAction) -> Self {
        Fault {
            action,
            endpoint: None,
            remaining: Some(1),
            after_processing: false,
        }
    }

    pub fn errcode(errcode: i64, errmsg: impl Into<String>) -> Self {
        Fault::new(FaultAction::Errcode {
            errcode,
            errmsg: errmsg.into(),
        })
    }

    /// A v1 refusal, e.g. `Fault::v1_error(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "..")`.
    pub fn v1_error(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Fault::new(FaultAction::V1Error {
            status,
            code: code.into(),
            message: message.into(),
        })
    }

    pub fn http_status(status: u16) -> Self {
        Fault::new(FaultAction::HttpStatus(status))
    }

    pub fn delay(delay: Duration) -> Self {
        Fault::new(FaultAction::Delay(delay))
    }

    pub fn malformed_body() -> Self {
        Fault::new(FaultAction::MalformedBody)
    }

    /// Reads the request, then closes the connection without an answer.
    pub fn drop_connection() -> Self {
        Fault::new(FaultAction::DropConnection)
    }

    /// Only calls of this endpoint (name such as `chat.send`, or path such as `/chat/send`).
    pub fn on(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The next `n` matching calls (default 1).
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Every matching call until the faults are cleared.
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    /// Let the call take effect first; the fault then replaces or loses its answer.
    pub fn after_processing(mut self) -> Self {
        self.after_processing = true;
        self
    }

    pub(crate) fn matches(&self, name: &str, path: &str) -> bool {
        match &self.endpoint {
            Some(endpoint) => endpoint == name || endpoint == path,
            None => path != "/gettoken",
        }
    }
}

/// Pending faults, consumed in the order they were injected.
#[derive(Debug, Default)]
pub struct Faults {
    pending: Vec<Fault>,
}

impl Faults {
    pub fn push(&mut self, fault: Fault) {
        self.pending.push(fault);
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// The faults waiting for their calls, in the order they strike.
    pub fn pending(&self) -> &[Fault] {
        &self.pending
    }

    /// Removes the pending fault at `index`.
    pub fn remove(&mut self, index: usize) -> Option<Fault> {
        (index < self.pending.len()).then(|| self.pending.remove(index))
    }

    /// Takes the first fault matching this call and phase, counting it down.
    pub fn take(&mut self, name: &str, path: &str, after_processing: bool) -> Option<FaultAction> {
        // A fault for zero calls hits nothing.
        self.pending.retain(|f| f.remaining != Some(0));
        let index = self
            .pending
            .iter()
            .position(|f| f.after_processing == after_processing && f.matches(name, path))?;
        let fault = &mut self.pending[index];
        let action = fault.action.clone();
        match &mut fault.remaining {
            Some(1) => {
                self.pending.remove(index);
            }
            Some(n) => *n = n.saturating_sub(1),
            None => {}
        }
        Some(action)
    }
}
