//! What an end-to-end test does in the window, as a person would: find by `data-testid`, type,
//! click, read. Works around WebKitWebDriver's quirks in one place (see DESIGN.md).

use anyhow::{Context, Result};
use thirtyfour::prelude::*;

pub fn by_test_id(id: &str) -> By {
    By::Css(format!("[data-testid='{id}']"))
}

/// Selects what a field holds and types over it (WebKitWebDriver refuses `clear` on some filled
/// inputs).
pub async fn fill(session: &WebDriver, id: &str, text: &str) -> Result<()> {
    let field = session.query(by_test_id(id)).first().await?;
    fill_element(&field, text)
        .await
        .with_context(|| format!("typing {text:?} into {id}"))
}

pub async fn fill_element(field: &WebElement, text: &str) -> Result<()> {
    field.send_keys(Key::Control + "a").await?;
    field.send_keys(Key::Backspace).await?;
    field.send_keys(text).await?;
    Ok(())
}

/// Clicks like a person who first scrolls the element into the middle of the window (sticky
/// bars would otherwise cover elements at the edges).
pub async fn click(session: &WebDriver, id: &str) -> Result<()> {
    let element = session
        .query(by_test_id(id))
        .first()
        .await
        .with_context(|| format!("finding {id}"))?;
    click_element(session, &element)
        .await
        .with_context(|| format!("clicking {id}"))
}

pub async fn click_element(session: &WebDriver, element: &WebElement) -> Result<()> {
    session
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![element.to_json()?],
        )
        .await?;
    element.click().await?;
    Ok(())
}

/// Chooses the option with `value` in a `<select>`, firing the change event React listens to.
pub async fn select(session: &WebDriver, id: &str, value: &str) -> Result<()> {
    let element = session.query(by_test_id(id)).first().await?;
    session
        .execute(
            "const el = arguments[0];
             const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
             setter.call(el, arguments[1]);
             el.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![element.to_json()?, serde_json::Value::String(value.to_owned())],
        )
        .await
        .with_context(|| format!("choosing {value:?} in {id}"))?;
    Ok(())
}

/// The trimmed `textContent` of every element with this test id (WebDriver's rendered text is
/// empty for some cells under WebKitWebDriver).
pub async fn texts(session: &WebDriver, id: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for element in session.find_all(by_test_id(id)).await? {
        out.push(text_of(&element).await?);
    }
    Ok(out)
}

pub async fn text_of(element: &WebElement) -> Result<String> {
    Ok(element
        .prop("textContent")
        .await?
        .unwrap_or_default()
        .trim()
        .to_owned())
}

pub async fn attrs(session: &WebDriver, id: &str, attr: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for element in session.find_all(by_test_id(id)).await? {
        out.push(element.attr(attr).await?.unwrap_or_default());
    }
    Ok(out)
}

pub async fn count(session: &WebDriver, id: &str) -> Result<usize> {
    Ok(session.find_all(by_test_id(id)).await?.len())
}
