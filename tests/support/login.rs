//! Logging in to the fake Vinted site through its form, as a person would over VNC.

use seller_automation::session::Session;
use thirtyfour::prelude::*;

use crate::fake_vinted::{self, FakeVinted};

/// Opens the login page in `session`, fills in the test account and submits the form. The page
/// that follows is the caller's to wait for.
pub async fn submit_login_form(session: &Session, fake: &FakeVinted) -> WebDriverResult<()> {
    session
        .driver()
        .goto(fake.url(fake_vinted::LOGIN_PATH))
        .await?;
    let driver = session.driver();
    let field = |id: &'static str| async move {
        driver
            .find(By::Css(format!("[data-testid=\"{id}\"]")))
            .await
    };
    field("login-username--input")
        .await?
        .send_keys(fake_vinted::USERNAME)
        .await?;
    field("login-password--input")
        .await?
        .send_keys(fake_vinted::PASSWORD)
        .await?;
    field("login-submit-button").await?.click().await
}
