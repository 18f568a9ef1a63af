//! The upload form (`docs/VINTED.md`, "Upload form"), filled as a person fills it: the sell
//! link from the home page, the photos one by one in their order, each field through its
//! input and the option a person would click, the price left with a TAB, the bump box left
//! unticked, the publish button clicked natively (a trusted click).
//!
//! Only VINTED.md's selectors are used; where it names an input but not its options, the
//! option is the visible element nearest the input whose label or text is the title Vinted's
//! reference data gives. What happened to the create is read from the page as a person sees
//! it (the address it went to, the messages that appeared) and from the browser's own record
//! of the requests the page made (Resource Timing's status of the create and photo requests).
//! A 429's `Retry-After`, which Resource Timing does not keep, is read from the browser's
//! DevTools while the form's writes run ([`network`]).

mod network;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::page::PageError;
use crate::reply::{FieldProblem, Refusal};
use crate::site::{form, route};
use network::{Listener, retry_after_of};

/// How long the form may take to appear, a tile to show, an option to open.
const STEP_WAIT: Duration = Duration::from_secs(15);
/// How long the photos may take to upload, per photo, on top of [`STEP_WAIT`].
const PHOTO_WAIT: Duration = Duration::from_secs(20);
/// How long the create may take to answer after the click.
const SUBMIT_WAIT: Duration = Duration::from_secs(90);
/// After a success, how long the page has to go to the new listing's page.
const NAVIGATION_WAIT: Duration = Duration::from_secs(5);
/// A message that appeared without any answer recorded, held this long, is the page saying
/// the request failed.
const SILENT_FAILURE_WAIT: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(250);

/// What the form is filled with: titles as Vinted's reference data writes them.
#[derive(Debug, Clone)]
pub struct FormInput {
    /// Absolute paths, in the listing's order.
    pub photos: Vec<PathBuf>,
    pub title: String,
    pub description: String,
    /// The category's ids from the root down to the leaf.
    pub catalog_path: Vec<u64>,
    pub brand: Option<String>,
    pub size: Option<String>,
    pub condition: String,
    pub colors: Vec<String>,
    pub materials: Vec<String>,
    /// As typed ("12,50").
    pub price: String,
    pub package_size_id: u64,
}

/// Why filling stopped.
#[derive(Debug)]
pub enum Fill {
    /// The form broke (an error shown, inputs disabled, a step that never came): reload it
    /// and fill it again.
    Broken(String),
    /// The browser is gone.
    Page(PageError),
    /// Vinted refused one of the form's own calls (a photo upload) in a way a reload cannot
    /// mend: an expired login, a challenge, a rate limit, or a 403 (which the caller tells
    /// from a restriction before taking it for a stale token).
    Refused(Refusal),
}

impl From<WebDriverError> for Fill {
    fn from(error: WebDriverError) -> Self {
        Fill::Broken(error.to_string())
    }
}

/// What came of the publish click when Vinted did not refuse it (a refusal comes back as the
/// `Err` of [`submit`]'s answer).
#[derive(Debug)]
pub enum Submitted {
    /// Vinted took it; the id when the page went to the listing's page.
    Created(Option<u64>),
    /// No answer the page recorded (the connection dropped): it may or may not exist.
    Unknown(String),
}

/// Opens the upload form from the home page through the sell link.
pub async fn open(driver: &WebDriver, base_url: &str) -> Result<(), Fill> {
    driver
        .goto(format!("{}/", base_url.trim_end_matches('/')))
        .await
        .map_err(|error| Fill::Page(error.into()))?;
    let sell = wait_displayed(driver, form::SELL_LINK, STEP_WAIT)
        .await
        .ok_or_else(|| Fill::Broken("the home page shows no sell link".to_owned()))?;
    sell.click().await?;
    wait_present(driver, form::ADD_PHOTOS_INPUT, STEP_WAIT)
        .await
        .ok_or_else(|| Fill::Broken("the sell link did not open the upload form".to_owned()))?;
    // Room for every request of a long form in the browser's record of them.
    driver
        .execute("performance.setResourceTimingBufferSize(5000);", Vec::new())
        .await?;
    Ok(())
}

/// Fills every field; the form is open.
pub async fn fill(driver: &WebDriver, input: &FormInput) -> Result<(), Fill> {
    photos(driver, &input.photos).await?;
    type_into(driver, form::TITLE, &input.title).await?;
    type_into(driver, form::DESCRIPTION, &input.description).await?;

    let category = enabled(driver, form::CATEGORY).await?;
    category.click().await?;
    for id in &input.catalog_path {
        let option = wait_displayed(driver, &form::catalog_option(*id), STEP_WAIT)
            .await
            .ok_or_else(|| Fill::Broken(format!("category {id} is not offered")))?;
        option.click().await?;
    }

    if let Some(brand) = &input.brand {
        pick_brand(driver, brand).await?;
    }
    if let Some(size) = &input.size {
        pick_single(driver, form::SIZE, size).await?;
    }
    pick_single(driver, form::CONDITION, &input.condition).await?;
    for color in &input.colors {
        pick_multi(driver, form::COLOR, color).await?;
    }
    for material in &input.materials {
        pick_multi(driver, form::MATERIAL, material).await?;
    }

    // The form reads the price only when the input loses the focus.
    let price = enabled(driver, form::PRICE).await?;
    price.click().await?;
    price.send_keys(input.price.as_str()).await?;
    price.send_keys(Key::Tab).await?;

    let cell = wait_displayed(
        driver,
        &form::package_size_cell(u32::try_from(input.package_size_id).unwrap_or(u32::MAX)),
        STEP_WAIT,
    )
    .await
    .ok_or_else(|| Fill::Broken("the parcel size is not offered".to_owned()))?;
    cell.click().await?;

    if let Ok(bump) = driver.find(By::Css(form::BUMP_CHECKBOX)).await
        && bump.is_selected().await?
    {
        bump.click().await?;
    }
    enabled(driver, form::SAVE).await?;
    Ok(())
}

/// Clicks publish (a native, trusted click) and waits for what came of it: what the page
/// showed, or Vinted's refusal.
pub async fn submit(driver: &WebDriver) -> Result<Result<Submitted, Refusal>, PageError> {
    let listener = Listener::start(driver, &[route::ITEM_UPLOAD_ITEMS]).await;
    let submitted = click_and_wait(driver, listener.as_ref()).await;
    if let Some(listener) = listener {
        listener.close().await;
    }
    submitted
}

async fn click_and_wait(
    driver: &WebDriver,
    listener: Option<&Listener>,
) -> Result<Result<Submitted, Refusal>, PageError> {
    let before_requests = statuses(driver, route::ITEM_UPLOAD_ITEMS).await?.len();
    let before_texts = visible_texts(driver).await?;
    let save = driver.find(By::Css(form::SAVE)).await?;
    save.click().await?;
    let started = Instant::now();
    let mut silent_since: Option<Instant> = None;
    while started.elapsed() < SUBMIT_WAIT {
        if let Some(id) = listing_page_id(driver).await? {
            return Ok(Ok(Submitted::Created(Some(id))));
        }
        let answered = statuses(driver, route::ITEM_UPLOAD_ITEMS)
            .await?
            .into_iter()
            .skip(before_requests)
            .find(|status| *status != 0);
        match answered {
            Some(200..=299) => return Ok(Ok(Submitted::Created(navigated(driver).await?))),
            Some(400 | 422) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let errors = form_errors(driver).await?;
                return Ok(Err(Refusal::Validation { errors }));
            }
            Some(401) => return Ok(Err(Refusal::LoginExpired)),
            // A 403 is a stale token, unless the anti-bot script put its challenge on the
            // page: then the person must pass it, and a retry would only make things worse.
            Some(403) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let challenge = driver
                    .find_all(By::Css(crate::site::challenge::page_selector()))
                    .await?;
                return Ok(Err(if challenge.is_empty() {
                    Refusal::AccessDenied
                } else {
                    Refusal::Challenge {
                        kind: crate::reply::ChallengeKind::DataDome,
                    }
                }));
            }
            Some(404) => return Ok(Err(Refusal::NotFound)),
            Some(429) => {
                return Ok(Err(Refusal::RateLimited {
                    retry_after: retry_after_of(listener, route::ITEM_UPLOAD_ITEMS).await,
                }));
            }
            Some(status @ 500..) => return Ok(Err(Refusal::Server { status })),
            Some(status) => {
                return Ok(Err(Refusal::Unexpected {
                    status,
                    code: None,
                    message: None,
                }));
            }
            None => {}
        }
        let appeared = new_texts(driver, &before_texts).await?;
        if appeared.is_empty() {
            silent_since = None;
        } else {
            let since = *silent_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= SILENT_FAILURE_WAIT {
                // Only the form's own error messages are kept, never other text of the page.
                let said = form_errors(driver)
                    .await?
                    .into_iter()
                    .map(|problem| problem.message)
                    .collect::<Vec<_>>()
                    .join(" ");
                return Ok(Ok(Submitted::Unknown(if said.is_empty() {
                    "the page showed a message but no answer from Vinted".to_owned()
                } else {
                    said
                })));
            }
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(Ok(Submitted::Unknown(
        "no answer from Vinted after the publish click".to_owned(),
    )))
}

/// The photos, one at a time so their tiles come in the listing's order; every upload must
/// have been answered with a success before the form goes on.
async fn photos(driver: &WebDriver, files: &[PathBuf]) -> Result<(), Fill> {
    let listener = Listener::start(driver, &[route::PHOTOS]).await;
    let uploaded = upload_photos(driver, files, listener.as_ref()).await;
    if let Some(listener) = listener {
        listener.close().await;
    }
    uploaded
}

async fn upload_photos(
    driver: &WebDriver,
    files: &[PathBuf],
    listener: Option<&Listener>,
) -> Result<(), Fill> {
    let before = statuses(driver, route::PHOTOS)
        .await
        .map_err(Fill::Page)?
        .len();
    let tiles_before = tile_numbers(driver).await?.len();
    for (n, file) in files.iter().enumerate() {
        let input = wait_present(driver, form::ADD_PHOTOS_INPUT, STEP_WAIT)
            .await
            .ok_or_else(|| Fill::Broken("the photo input went away".to_owned()))?;
        if !input.is_enabled().await? {
            return Err(Fill::Broken("the photo input is disabled".to_owned()));
        }
        input.send_keys(file.display().to_string()).await?;
        let wanted = tiles_before + n + 1;
        let started = Instant::now();
        loop {
            let tiles = tile_numbers(driver).await?;
            if tiles.len() >= wanted {
                if !tiles.windows(2).all(|pair| pair[0] < pair[1]) {
                    return Err(Fill::Broken(format!(
                        "the photo tiles are out of order: {tiles:?}"
                    )));
                }
                break;
            }
            if started.elapsed() > STEP_WAIT {
                return Err(Fill::Broken(format!("photo {} never showed", n + 1)));
            }
            tokio::time::sleep(POLL).await;
        }
    }
    let wait = STEP_WAIT + PHOTO_WAIT * u32::try_from(files.len()).unwrap_or(1);
    let started = Instant::now();
    loop {
        let answered: Vec<u16> = statuses(driver, route::PHOTOS)
            .await
            .map_err(Fill::Page)?
            .into_iter()
            .skip(before)
            .collect();
        if let Some(failed) = answered.iter().find(|s| !(200..300).contains(*s)) {
            if let Some(refusal) = refusal_of(driver, *failed, listener)
                .await
                .map_err(Fill::Page)?
            {
                return Err(Fill::Refused(refusal));
            }
            return Err(Fill::Broken(format!(
                "a photo upload failed (HTTP {failed})"
            )));
        }
        if answered.len() >= files.len() {
            return Ok(());
        }
        if started.elapsed() > wait {
            return Err(Fill::Broken(format!(
                "only {} of {} photos were uploaded",
                answered.len(),
                files.len()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// What a failed status of one of the form's own calls says, when a reload would not mend it:
/// the page shows only the status (and, for a challenge, the challenge itself).
async fn refusal_of(
    driver: &WebDriver,
    status: u16,
    listener: Option<&Listener>,
) -> Result<Option<Refusal>, PageError> {
    Ok(match status {
        401 => Some(Refusal::LoginExpired),
        403 => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let challenge = driver
                .find_all(By::Css(crate::site::challenge::page_selector()))
                .await?;
            Some(if challenge.is_empty() {
                Refusal::AccessDenied
            } else {
                Refusal::Challenge {
                    kind: crate::reply::ChallengeKind::DataDome,
                }
            })
        }
        429 => Some(Refusal::RateLimited {
            retry_after: retry_after_of(listener, route::PHOTOS).await,
        }),
        _ => None,
    })
}

async fn type_into(driver: &WebDriver, css: &str, text: &str) -> Result<(), Fill> {
    let input = enabled(driver, css).await?;
    input.click().await?;
    input.send_keys(text).await?;
    Ok(())
}

/// The brand: the visible input is read-only; the search box under it takes the typing, and
/// the result whose label is the brand's title is clicked.
async fn pick_brand(driver: &WebDriver, brand: &str) -> Result<(), Fill> {
    let search = wait_present(driver, form::BRAND_SEARCH, STEP_WAIT)
        .await
        .ok_or_else(|| Fill::Broken("the brand search is missing".to_owned()))?;
    if !search.is_displayed().await? {
        let opener = driver
            .execute(NEAREST_READONLY_INPUT, vec![search.to_json()?])
            .await?;
        if opener.json().is_null() {
            return Err(Fill::Broken("the brand input is missing".to_owned()));
        }
        opener.element()?.click().await?;
    }
    if !search.is_enabled().await? {
        return Err(Fill::Broken("the brand search is disabled".to_owned()));
    }
    search.click().await?;
    search.send_keys(brand).await?;
    let started = Instant::now();
    loop {
        let result = driver
            .execute(
                with_helpers(BRAND_RESULT),
                vec![json!(form::BRAND_RESULT), json!(brand)],
            )
            .await?;
        if !result.json().is_null() {
            result.element()?.click().await?;
            return Ok(());
        }
        if started.elapsed() > STEP_WAIT {
            return Err(Fill::Broken(format!("the brand {brand} is not offered")));
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn pick_single(driver: &WebDriver, css: &str, title: &str) -> Result<(), Fill> {
    let input = wait_displayed(driver, css, STEP_WAIT)
        .await
        .ok_or_else(|| Fill::Broken(format!("{css} is not shown")))?;
    if !input.is_enabled().await? {
        return Err(Fill::Broken(format!("{css} is disabled")));
    }
    input.click().await?;
    click_option(driver, &input, title).await
}

/// One more choice of a multiple choice: the list stays open between choices on some forms
/// and closes on others.
async fn pick_multi(driver: &WebDriver, css: &str, title: &str) -> Result<(), Fill> {
    let input = enabled(driver, css).await?;
    if let Some(option) = option_near(driver, &input, title).await? {
        option.click().await?;
        return Ok(());
    }
    input.click().await?;
    click_option(driver, &input, title).await
}

async fn click_option(driver: &WebDriver, input: &WebElement, title: &str) -> Result<(), Fill> {
    let started = Instant::now();
    loop {
        if let Some(option) = option_near(driver, input, title).await? {
            option.click().await?;
            return Ok(());
        }
        if started.elapsed() > STEP_WAIT {
            return Err(Fill::Broken(format!("the option {title} is not offered")));
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn option_near(
    driver: &WebDriver,
    input: &WebElement,
    title: &str,
) -> Result<Option<WebElement>, Fill> {
    let found = driver
        .execute(
            with_helpers(OPTION_NEAR),
            vec![input.to_json()?, json!(title)],
        )
        .await?;
    if found.json().is_null() {
        return Ok(None);
    }
    Ok(Some(found.element()?))
}

/// The input, present and enabled; a disabled one means the form broke.
async fn enabled(driver: &WebDriver, css: &str) -> Result<WebElement, Fill> {
    let element = wait_present(driver, css, STEP_WAIT)
        .await
        .ok_or_else(|| Fill::Broken(format!("{css} is missing")))?;
    if !element.is_enabled().await? {
        return Err(Fill::Broken(format!("{css} is disabled: the form broke")));
    }
    Ok(element)
}

async fn wait_present(driver: &WebDriver, css: &str, within: Duration) -> Option<WebElement> {
    let started = Instant::now();
    loop {
        if let Ok(element) = driver.find(By::Css(css)).await {
            return Some(element);
        }
        if started.elapsed() > within {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn wait_displayed(driver: &WebDriver, css: &str, within: Duration) -> Option<WebElement> {
    let started = Instant::now();
    loop {
        if let Ok(elements) = driver.find_all(By::Css(css)).await {
            for element in elements {
                if element.is_displayed().await.unwrap_or(false) {
                    return Some(element);
                }
            }
        }
        if started.elapsed() > within {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The numbers of the photo tiles, in the page's order.
async fn tile_numbers(driver: &WebDriver) -> Result<Vec<u64>, WebDriverError> {
    let answer = driver
        .execute(TILE_NUMBERS, vec![json!(form::IMAGE_WRAPPERS)])
        .await?;
    Ok(answer
        .json()
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default())
}

/// The statuses of the requests the page made to `path`, oldest first (0: no status known).
async fn statuses(driver: &WebDriver, path: &str) -> Result<Vec<u16>, PageError> {
    let answer = driver.execute(STATUSES, vec![json!(path)]).await?;
    Ok(answer
        .json()
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0))
                .collect()
        })
        .unwrap_or_default())
}

async fn visible_texts(driver: &WebDriver) -> Result<Vec<String>, PageError> {
    let answer = driver
        .execute(with_helpers(VISIBLE_TEXTS), Vec::new())
        .await?;
    Ok(answer
        .json()
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

async fn new_texts(driver: &WebDriver, before: &[String]) -> Result<Vec<String>, PageError> {
    let mut out: Vec<String> = visible_texts(driver)
        .await?
        .into_iter()
        .filter(|text| !before.contains(text))
        .collect();
    out.dedup();
    Ok(out)
}

/// What the form says went wrong, from its error elements only (a field's `{field}--error`,
/// the form's alerts), shown and non-empty; each message cleaned and cut
/// ([`crate::reply::clean_text`]), a few at most. Nothing else the page shows is taken: it may
/// be anything, down to a buyer's message, and these messages are stored and synced.
async fn form_errors(driver: &WebDriver) -> Result<Vec<FieldProblem>, PageError> {
    let answer = driver
        .execute(
            with_helpers(FORM_ERRORS),
            vec![json!(form::FIELD_ERROR), json!(form::FORM_ERROR)],
        )
        .await?;
    Ok(parse_form_errors(answer.json()))
}

/// The script's `[[testid or null, text]…]` as problems.
fn parse_form_errors(answer: &Value) -> Vec<FieldProblem> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    for pair in answer.as_array().map(Vec::as_slice).unwrap_or_default() {
        let message = crate::reply::clean_text(pair[1].as_str().unwrap_or_default());
        if message.is_empty() || problems.iter().any(|p| p.message == message) {
            continue;
        }
        let field = pair[0]
            .as_str()
            .and_then(|id| id.strip_suffix(form::FIELD_ERROR_SUFFIX))
            .map(crate::reply::clean_text)
            .filter(|field| !field.is_empty())
            .unwrap_or_else(|| "form".to_owned());
        problems.push(FieldProblem { field, message });
        if problems.len() >= MAX_FORM_ERRORS {
            break;
        }
    }
    problems
}

/// Most error messages taken from the form.
const MAX_FORM_ERRORS: usize = 10;

/// The listing id of the page the browser shows, when it is a listing's page.
async fn listing_page_id(driver: &WebDriver) -> Result<Option<u64>, PageError> {
    let url = driver.current_url().await?;
    Ok(url
        .path()
        .strip_prefix("/items/")
        .and_then(|rest| rest.split(['/', '-']).next())
        .and_then(|id| id.parse().ok()))
}

async fn navigated(driver: &WebDriver) -> Result<Option<u64>, PageError> {
    let started = Instant::now();
    while started.elapsed() < NAVIGATION_WAIT {
        if let Some(id) = listing_page_id(driver).await? {
            return Ok(Some(id));
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(None)
}

const VISIBLE: &str = r#"
const visible = (el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
};
const fold = (s) => String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
  .toLowerCase().replace(/\s+/g, ' ').trim();
"#;

const OPTION_NEAR: &str = r#"
const [input, title] = arguments;
const want = fold(title);
const skip = ['INPUT', 'TEXTAREA', 'SCRIPT', 'STYLE', 'LABEL', 'OPTION', 'SELECT'];
const roles = '[role=button],[role=option],[role=radio],[role=checkbox],[role=menuitem],li';
for (let scope = input.parentElement; scope; scope = scope.parentElement) {
  const found = Array.from(scope.querySelectorAll('*')).filter((el) =>
    !skip.includes(el.tagName) && !el.contains(input) && visible(el) &&
    (fold(el.getAttribute('aria-label')) === want || fold(el.textContent) === want));
  if (found.length) {
    const deepest = found.filter((el) => !found.some((other) => other !== el && el.contains(other)));
    const pick = deepest.find((el) => el.closest(roles)) || deepest[0];
    return pick.closest(roles) || pick;
  }
}
return null;
"#;

const BRAND_RESULT: &str = r#"
const [selector, title] = arguments;
return Array.from(document.querySelectorAll(selector))
  .find((el) => el.getAttribute('aria-label') === title && visible(el)) || null;
"#;

const NEAREST_READONLY_INPUT: &str = r#"
const [search] = arguments;
for (let scope = search.parentElement; scope; scope = scope.parentElement) {
  const found = Array.from(scope.querySelectorAll('input[readonly]')).find((el) => el !== search);
  if (found) return found;
}
return null;
"#;

const TILE_NUMBERS: &str = r#"
return Array.from(document.querySelectorAll(arguments[0])).map((el) => {
  const match = /(\d+)$/.exec(el.getAttribute('data-testid') || '');
  return match ? Number(match[1]) : -1;
});
"#;

const STATUSES: &str = r#"
const path = arguments[0];
return performance.getEntriesByType('resource').filter((entry) => {
  try { return new URL(entry.name).pathname === path; } catch (_) { return false; }
}).map((entry) => entry.responseStatus || 0);
"#;

const FORM_ERRORS: &str = r#"
const [fieldErrors, formErrors] = arguments;
const out = [];
for (const el of document.querySelectorAll(fieldErrors + ',' + formErrors)) {
  if (!visible(el)) continue;
  const text = (el.textContent || '').trim();
  if (text) out.push([el.getAttribute('data-testid'), text.slice(0, 1000)]);
}
return out;
"#;

const VISIBLE_TEXTS: &str = r#"
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  if (el.children.length || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
  const text = (el.textContent || '').trim();
  if (!text || !visible(el)) continue;
  out.push(text.slice(0, 300));
}
return out;
"#;

/// A script body with [`VISIBLE`]'s helpers in front.
fn with_helpers(body: &str) -> String {
    format!("{VISIBLE}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_form_errors_cleaned_and_named_by_field() {
        let answer = json!([
            ["price--error", "Le prix minimum est de 1,00 €"],
            ["size--error", "  Indique\nla <b>taille</b>\u{0}  "],
            [null, "Une erreur s'est produite."],
            ["upload-form-notice", "Une erreur s'est produite."],
            ["--error", "x".repeat(2000)],
            ["title--error", "   "],
        ]);
        let problems = parse_form_errors(&answer);
        let named: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            named[..3],
            [
                ("price", "Le prix minimum est de 1,00 €"),
                ("size", "Indique la taille"),
                ("form", "Une erreur s'est produite."),
            ]
        );
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(problems[3].field, "form");
        assert!(problems[3].message.chars().count() <= crate::reply::MAX_MESSAGE_CHARS);
        assert!(parse_form_errors(&json!("not a list")).is_empty());
    }
}
