//! Receiving DingTalk's HTTP callbacks and robot messages with axum: one route for the
//! encrypted event pushes (`CallbackHandler`), one for a robot in HTTP mode
//! (`RobotRequestVerifier`, replying through the message's session webhook).
//!
//! ```sh
//! DINGTALK_APP_KEY=... DINGTALK_APP_SECRET=... DINGTALK_CALLBACK_TOKEN=... DINGTALK_CALLBACK_AES_KEY=... \
//!     cargo run -p dingtalk-api --example callback_axum --features events,robot
//! ```

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use dingtalk_api::Client;
use dingtalk_api::events::{CallbackCrypto, CallbackHandler, RobotRequestVerifier};
use dingtalk_api::robot::webhook::RobotText;

struct App {
    client: Client,
    events: CallbackHandler,
    robot: RobotRequestVerifier,
}

async fn events(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> (StatusCode, String) {
    match app
        .events
        .handle(query.as_deref().unwrap_or_default(), &body)
    {
        Ok(callback) => {
            println!(
                "{}: {:?}",
                callback.received.meta.event_type, callback.received.event
            );
            (StatusCode::OK, callback.reply)
        }
        Err(err) => (StatusCode::BAD_REQUEST, err.to_string()),
    }
}

async fn robot(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let Ok(message) = app.robot.read(header("timestamp"), header("sign"), &body) else {
        return StatusCode::FORBIDDEN;
    };
    let text = message.plain_text().unwrap_or_default();
    match message
        .reply_session(&app.client, RobotText::new(format!("you said: {text}")))
        .await
    {
        Ok(()) => StatusCode::OK,
        Err(err) => {
            eprintln!("reply failed: {err}");
            StatusCode::OK
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let (key, secret) = (env("DINGTALK_APP_KEY")?, env("DINGTALK_APP_SECRET")?);
    let crypto = CallbackCrypto::new(
        env("DINGTALK_CALLBACK_TOKEN")?,
        &env("DINGTALK_CALLBACK_AES_KEY")?,
        key.clone(),
    )?;
    let app = Arc::new(App {
        client: Client::new(key, secret.clone())?,
        events: CallbackHandler::new(crypto),
        robot: RobotRequestVerifier::new(secret),
    });
    let router = Router::new()
        .route("/dingtalk/events", post(events))
        .route("/dingtalk/robot", post(robot))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    println!("listening on http://127.0.0.1:8080");
    axum::serve(listener, router).await?;
    Ok(())
}
