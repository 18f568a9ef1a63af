//! Shipping labels (`docs/VINTED.md`, "Read endpoints": label): for each order of the job,
//! `GET /api/v2/shipments/{id}/label_url` (paced), then the PDF it names, fetched by the
//! session's browser in a tab of its own ([`super::tab`]: only addresses of the account's site
//! or Vinted's hosts), checked (a PDF by its first bytes, at most [`MAX_LABEL_BYTES`]) and saved
//! as `<data>/labels/<order row id>.pdf` (the id checked by `data_dir::safe_child`); at the end
//! the job's labels are merged into one PDF to print, `<data>/labels/merged/<job id>.pdf`.
//!
//! The checkpoint keeps the orders still to do, so a refusal in the middle resumes with the
//! next label; a label already on disk is not fetched again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lopdf::{Dictionary, Document, Object, ObjectId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Flow;
use super::tab::{Fetched, Kind, Tab};
use crate::StoreAccess;
use crate::calls::{FlowError, store_error};
use crate::page::{Call, PageError};
use crate::reply::Refusal;
use crate::site::route;
use seller_store::data_dir::safe_child;

/// Where labels go, under the data folder.
pub const LABELS_DIR: &str = "labels";
/// Where merged batches go, under [`LABELS_DIR`].
pub const MERGED_DIR: &str = "merged";
/// The largest label accepted.
pub const MAX_LABEL_BYTES: usize = 10 * 1024 * 1024;
/// Most labels one batch holds.
pub const MAX_LABELS: usize = 200;
/// The most bytes of labels one merged batch takes (they are all in memory while merging).
pub const MAX_BATCH_BYTES: u64 = 64 * 1024 * 1024;

const LABEL: Kind = Kind {
    what: "label",
    max_bytes: MAX_LABEL_BYTES,
    check: checked_pdf,
};

/// What the person asked for: the `seller_orders` ids of the orders whose labels to print.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LabelsRequest {
    pub order_ids: Vec<String>,
}

/// A label that could not be had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelFailure {
    pub order_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    /// Still to do, the next one last.
    remaining: Vec<String>,
    downloaded: i64,
    failures: Vec<LabelFailure>,
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let request: LabelsRequest =
        serde_json::from_value(flow.job.payload.clone()).map_err(|error| {
            FlowError::Invalid(format!("the labels' request is not valid: {error}"))
        })?;
    if request.order_ids.is_empty() || request.order_ids.len() > MAX_LABELS {
        return Err(FlowError::Invalid(format!(
            "a batch of labels holds 1 to {MAX_LABELS} orders"
        )));
    }
    let mut checkpoint: Checkpoint = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the labels' checkpoint is not valid: {error}"))
        })?,
        None => Checkpoint {
            remaining: request.order_ids.iter().rev().cloned().collect(),
            downloaded: 0,
            failures: Vec::new(),
        },
    };
    let total = request.order_ids.len() as i64;
    while let Some(order_id) = checkpoint.remaining.last().cloned() {
        if flow.paced.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
        match download(flow, &order_id).await? {
            Ok(true) => checkpoint.downloaded += 1,
            Ok(false) => {}
            Err(reason) => {
                tracing::warn!(%order_id, %reason, "a shipping label was not downloaded");
                // Kept on the order, so the Orders area says why it has no label instead of
                // asking for it again.
                let (id, why) = (order_id.clone(), reason.clone());
                flow.store
                    .with_store(move |store| Ok(store.set_vinted_label_error(&id, &why)?))
                    .await
                    .map_err(store_error)?;
                checkpoint.failures.push(LabelFailure { order_id, reason });
            }
        }
        checkpoint.remaining.pop();
        let done = total - checkpoint.remaining.len() as i64;
        flow.checkpoint(&checkpoint, done, Some(total)).await?;
    }
    let (ids, job_id) = (request.order_ids.clone(), flow.job.id.clone());
    let merged = flow
        .store
        .with_store(move |store| {
            let data_dir = data_dir_of(store);
            let labels = store.vinted_labels(&ids)?;
            let files: Vec<String> = ids
                .iter()
                .filter_map(|id| labels.iter().find(|l| l.order_id == *id))
                .filter_map(|l| l.label_path.clone())
                .collect();
            Ok(merge_files(&data_dir, &files, &job_id))
        })
        .await
        .map_err(store_error)?;
    let mut summary = serde_json::json!({
        "downloaded": checkpoint.downloaded,
        "failures": checkpoint.failures,
    });
    match merged {
        Ok(Some((path, pages))) => {
            summary["merged"] = Value::String(path);
            summary["pages"] = pages.into();
        }
        Ok(None) => {}
        Err(reason) => summary["mergeFailure"] = Value::String(reason),
    }
    Ok(summary)
}

fn data_dir_of(store: &seller_store::Store) -> PathBuf {
    store
        .path()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// One order's label: `Ok(true)` downloaded, `Ok(false)` already there, `Err` why not (the
/// order goes on to the next). `FlowError` for what stops the job (a refusal, the session).
async fn download<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    order_id: &str,
) -> Result<Result<bool, String>, FlowError> {
    let (id, account_id) = (order_id.to_owned(), flow.caller.account_id.clone());
    let label = flow
        .store
        .with_store(move |store| {
            let data_dir = data_dir_of(store);
            let label = store.vinted_labels(&[id])?.into_iter().next();
            let on_disk = label
                .as_ref()
                .and_then(|l| l.label_path.as_ref())
                .is_some_and(|path| label_on_disk(&data_dir, path).is_some());
            Ok((label, on_disk))
        })
        .await
        .map_err(store_error)?;
    let (label, on_disk) = label;
    let Some(label) = label else {
        return Ok(Err("not a sale read from Vinted still to ship".to_owned()));
    };
    if label.seller_account_id != account_id {
        return Ok(Err("an order of another account".to_owned()));
    }
    if on_disk {
        return Ok(Ok(false));
    }
    let Some(shipment) = label
        .shipment_id
        .as_deref()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return Ok(Err("the order has no shipment yet".to_owned()));
    };
    let answer = match flow.paced.read(Call::get(route::label_url(shipment))).await {
        Ok(answer) => answer,
        Err(FlowError::Vinted(Refusal::NotFound)) => {
            return Ok(Err("Vinted has no label for this shipment".to_owned()));
        }
        Err(error) => return Err(error),
    };
    let Some(url) = answer["label_url"].as_str().map(str::to_owned) else {
        return Ok(Err("Vinted's answer names no label".to_owned()));
    };
    let driver = flow.paced.page().driver().clone();
    let site = flow.paced.page().base_url().to_owned();
    let tab = Tab::open(&driver)
        .await
        .map_err(|error| FlowError::Page(error.into()))?;
    let fetched = tab.fetch(&driver, &site, &url, &LABEL).await;
    let closed = tab.close(&driver).await;
    let bytes = match fetched.map_err(|error| FlowError::Page(error.into()))? {
        Fetched::Bytes(bytes) => bytes,
        Fetched::Failed(reason) => return Ok(Err(reason)),
        Fetched::NoAnswer(reason) => return Err(FlowError::Page(PageError::Network(reason))),
    };
    closed.map_err(|error| FlowError::Page(error.into()))?;
    let order_id = order_id.to_owned();
    flow.store
        .with_store(move |store| {
            let data_dir = data_dir_of(store);
            let relative = match save_label(&data_dir, &order_id, &bytes) {
                Ok(relative) => relative,
                Err(reason) => return Ok(Err(reason)),
            };
            store.set_vinted_label(&order_id, &relative)?;
            Ok(Ok(true))
        })
        .await
        .map_err(store_error)
}

/// The bytes when they are a PDF no larger than [`MAX_LABEL_BYTES`].
pub fn checked_pdf(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.len() > MAX_LABEL_BYTES {
        return Err(format!(
            "the label is larger than {} MB",
            MAX_LABEL_BYTES / 1024 / 1024
        ));
    }
    if bytes.starts_with(b"%PDF-") {
        Ok(bytes)
    } else {
        Err("the label is not a PDF".to_owned())
    }
}

/// Saves a label as `labels/<order id>.pdf`; returns that path, relative to the data folder.
fn save_label(data_dir: &Path, order_id: &str, bytes: &[u8]) -> Result<String, String> {
    let dir = data_dir.join(LABELS_DIR);
    let file = safe_child(&dir, order_id)
        .map_err(|error| error.to_string())?
        .with_extension("pdf");
    std::fs::create_dir_all(&dir).map_err(|error| error.to_string())?;
    write_atomically(&file, bytes).map_err(|error| format!("the label was not saved: {error}"))?;
    Ok(format!("{LABELS_DIR}/{order_id}.pdf"))
}

/// Writes `bytes` to a temporary file beside `file`, then renames it over `file`: a crash or a
/// full disk leaves the old file or none, never half a PDF that would later be merged.
fn write_atomically(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = file.with_file_name(format!(".{name}.{}.tmp", seller_store::new_id()));
    let written = (|| {
        let mut out = std::fs::File::create(&tmp)?;
        out.write_all(bytes)?;
        out.sync_all()?;
        std::fs::rename(&tmp, file)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The label at `relative` (as the store names it: `labels/<uuid>.pdf`) when it is a regular
/// file inside the labels folder: not a link (`symlink_metadata`), and still inside that folder
/// once both are made canonical. `None` otherwise, or when it is not there.
pub fn label_on_disk(data_dir: &Path, relative: &str) -> Option<(PathBuf, u64)> {
    let name = relative
        .strip_prefix(&format!("{LABELS_DIR}/"))?
        .strip_suffix(".pdf")?;
    let labels_dir = data_dir.join(LABELS_DIR);
    let path = safe_child(&labels_dir, name).ok()?.with_extension("pdf");
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let dir = labels_dir.canonicalize().ok()?;
    let canonical = path.canonicalize().ok()?;
    (canonical.parent() == Some(dir.as_path())).then_some((canonical, meta.len()))
}

/// Merges the labels at `files` (relative to the data folder, as the store names them) into
/// `labels/merged/<batch id>.pdf`; returns that path (relative) and its page count, `None` when
/// there is nothing to merge.
pub fn merge_files(
    data_dir: &Path,
    files: &[String],
    batch_id: &str,
) -> Result<Option<(String, u32)>, String> {
    if files.is_empty() {
        return Ok(None);
    }
    let labels_dir = data_dir.join(LABELS_DIR);
    // Only regular files this module saved (`labels/<uuid>.pdf`), and not more bytes than a
    // batch may take, checked before any is read.
    let mut paths = Vec::new();
    let mut total: u64 = 0;
    for file in files {
        let (path, len) = label_on_disk(data_dir, file)
            .ok_or_else(|| format!("{file:?} is not a label file of this app"))?;
        total = total.saturating_add(len);
        paths.push(path);
    }
    if total > MAX_BATCH_BYTES {
        return Err(format!(
            "these labels take {} MB, more than the {} MB one batch may: print fewer at once",
            total.div_ceil(1024 * 1024),
            MAX_BATCH_BYTES / 1024 / 1024
        ));
    }
    let mut pdfs = Vec::new();
    for (file, path) in files.iter().zip(&paths) {
        let bytes = std::fs::read(path).map_err(|error| format!("{file}: {error}"))?;
        pdfs.push(checked_pdf(bytes)?);
    }
    let (merged, pages) = merge_pdfs(&pdfs)?;
    let dir = labels_dir.join(MERGED_DIR);
    let path = safe_child(&dir, batch_id)
        .map_err(|error| error.to_string())?
        .with_extension("pdf");
    std::fs::create_dir_all(&dir).map_err(|error| error.to_string())?;
    write_atomically(&path, &merged)
        .map_err(|error| format!("the batch was not saved: {error}"))?;
    Ok(Some((
        format!("{LABELS_DIR}/{MERGED_DIR}/{batch_id}.pdf"),
        pages,
    )))
}

/// One PDF with every page of `pdfs`, in order; returns it and its page count.
pub fn merge_pdfs(pdfs: &[Vec<u8>]) -> Result<(Vec<u8>, u32), String> {
    let mut next_id = 1;
    let mut pages: Vec<(ObjectId, Dictionary)> = Vec::new();
    let mut objects: BTreeMap<ObjectId, Object> = BTreeMap::new();
    for (n, bytes) in pdfs.iter().enumerate() {
        let mut doc = Document::load_mem(bytes)
            .map_err(|error| format!("label {} could not be read: {error}", n + 1))?;
        // Attributes a page inherits from its tree are copied onto it before the tree goes.
        let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
        for page_id in &page_ids {
            let page = materialized_page(&doc, *page_id)
                .map_err(|error| format!("label {}: {error}", n + 1))?;
            doc.objects.insert(*page_id, Object::Dictionary(page));
        }
        doc.renumber_objects_with(next_id);
        next_id = doc.max_id + 1;
        for page_id in doc.get_pages().into_values() {
            let page = doc
                .get_dictionary(page_id)
                .map_err(|error| format!("label {}: {error}", n + 1))?
                .clone();
            pages.push((page_id, page));
        }
        for (id, object) in doc.objects {
            let kind = object.type_name().unwrap_or(b"").to_vec();
            if !matches!(
                kind.as_slice(),
                b"Catalog" | b"Pages" | b"Page" | b"Outlines" | b"Outline"
            ) {
                objects.insert(id, object);
            }
        }
    }
    if pages.is_empty() {
        return Err("the labels have no page".to_owned());
    }
    let mut merged = Document::with_version("1.5");
    merged.objects = objects;
    merged.max_id = next_id;
    let pages_id = merged.new_object_id();
    let count = pages.len() as u32;
    let kids: Vec<Object> = pages.iter().map(|(id, _)| Object::Reference(*id)).collect();
    for (id, mut page) in pages {
        page.set("Parent", pages_id);
        merged.objects.insert(id, Object::Dictionary(page));
    }
    let mut tree = Dictionary::new();
    tree.set("Type", "Pages");
    tree.set("Kids", kids);
    tree.set("Count", i64::from(count));
    merged.objects.insert(pages_id, Object::Dictionary(tree));
    let mut catalog = Dictionary::new();
    catalog.set("Type", "Catalog");
    catalog.set("Pages", pages_id);
    let catalog_id = merged.add_object(catalog);
    merged.trailer.set("Root", catalog_id);
    merged.renumber_objects();
    merged.compress();
    let mut out = Vec::new();
    merged
        .save_to(&mut out)
        .map_err(|error| format!("the batch could not be written: {error}"))?;
    Ok((out, count))
}

/// A page's dictionary with the attributes it inherits (media box, crop box, resources,
/// rotation) made its own.
fn materialized_page(doc: &Document, page_id: ObjectId) -> lopdf::Result<Dictionary> {
    let mut page = doc.get_dictionary(page_id)?.clone();
    for key in [&b"MediaBox"[..], b"CropBox", b"Resources", b"Rotate"] {
        if page.has(key) {
            continue;
        }
        if let Some(value) = inherited(doc, page_id, key)? {
            page.set(key.to_vec(), value);
        }
    }
    Ok(page)
}

fn inherited(doc: &Document, page_id: ObjectId, key: &[u8]) -> lopdf::Result<Option<Object>> {
    let mut current = page_id;
    // A tree deeper than this is a loop.
    for _ in 0..64 {
        let node = doc.get_dictionary(current)?;
        if let Ok(value) = node.get(key) {
            return Ok(Some(value.clone()));
        }
        match node.get(b"Parent").and_then(Object::as_reference) {
            Ok(parent) => current = parent,
            Err(_) => return Ok(None),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF of `pages` pages, each `width` points wide, its media box on the page tree.
    fn pdf(pages: usize, width: f32) -> Vec<u8> {
        use pdf_writer::{Pdf, Rect, Ref};
        let mut pdf = Pdf::new();
        let (catalog, tree) = (Ref::new(1), Ref::new(2));
        let kids: Vec<Ref> = (0..pages).map(|n| Ref::new(3 + n as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(kids.iter().copied())
            .count(pages as i32)
            .media_box(Rect::new(0.0, 0.0, width, 400.0));
        for kid in &kids {
            pdf.page(*kid).parent(tree);
        }
        pdf.finish()
    }

    #[test]
    fn labels_merge_in_order_keeping_each_page_size() {
        let (merged, pages) =
            merge_pdfs(&[pdf(1, 100.0), pdf(2, 200.0), pdf(1, 300.0)]).expect("merged");
        assert_eq!(pages, 4);
        let doc = Document::load_mem(&merged).expect("a PDF");
        let widths: Vec<f32> = doc
            .get_pages()
            .into_values()
            .map(|id| {
                let page = doc.get_dictionary(id).expect("a page");
                let media = page
                    .get(b"MediaBox")
                    .and_then(Object::as_array)
                    .expect("a box");
                media[2].as_float().expect("a width")
            })
            .collect();
        assert_eq!(widths, [100.0, 200.0, 200.0, 300.0]);
        assert!(merge_pdfs(&[b"%PDF-1.4 garbage".to_vec()]).is_err());
        assert!(merge_pdfs(&[]).is_err());
    }

    #[test]
    fn only_pdfs_within_the_limit_are_labels() {
        assert!(checked_pdf(pdf(1, 100.0)).is_ok());
        assert!(checked_pdf(b"<html>captcha</html>".to_vec()).is_err());
        let mut huge = b"%PDF-1.7".to_vec();
        huge.resize(MAX_LABEL_BYTES + 1, b' ');
        assert!(checked_pdf(huge).is_err());
    }

    #[test]
    fn files_are_named_by_checked_ids_only() {
        let dir = tempfile::tempdir().expect("a folder");
        let id = "0190f0aa-1111-7abc-8def-0123456789ab";
        let saved = save_label(dir.path(), id, &pdf(1, 100.0)).expect("saved");
        assert_eq!(saved, format!("labels/{id}.pdf"));
        assert!(save_label(dir.path(), "../../etc/x", b"%PDF-").is_err());
        assert!(merge_files(dir.path(), &["../x.pdf".to_owned()], id).is_err());
        let (merged, pages) = merge_files(dir.path(), &[saved.clone(), saved], id)
            .expect("merged")
            .expect("a batch");
        assert_eq!(pages, 2);
        assert!(dir.path().join(merged).is_file());
        assert!(merge_files(dir.path(), &[], id).expect("nothing").is_none());
        // Saved through a temporary file renamed over the label: none is left beside it.
        let names: Vec<String> = std::fs::read_dir(dir.path().join(LABELS_DIR))
            .expect("the folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_labels_folder_is_not_a_label() {
        let dir = tempfile::tempdir().expect("a folder");
        let outside = dir.path().join("secret.pdf");
        std::fs::write(&outside, pdf(1, 100.0)).expect("written");
        std::fs::create_dir_all(dir.path().join(LABELS_DIR)).expect("the folder");
        let id = "0190f0aa-1111-7abc-8def-0123456789ab";
        std::os::unix::fs::symlink(&outside, dir.path().join(format!("{LABELS_DIR}/{id}.pdf")))
            .expect("a link");
        let relative = format!("{LABELS_DIR}/{id}.pdf");
        assert_eq!(label_on_disk(dir.path(), &relative), None);
        assert!(merge_files(dir.path(), &[relative], id).is_err());
    }

    #[test]
    fn a_batch_larger_than_the_limit_is_refused_before_reading() {
        let dir = tempfile::tempdir().expect("a folder");
        let labels = dir.path().join(LABELS_DIR);
        std::fs::create_dir_all(&labels).expect("the folder");
        // Seven sparse 10 MB files: 70 MB, above the 64 MB a batch may take.
        let mut files = Vec::new();
        for n in 0..7 {
            let id = format!("0190f0aa-1111-7abc-8def-0123456789a{n}");
            let file = std::fs::File::create(labels.join(format!("{id}.pdf"))).expect("file");
            file.set_len(MAX_LABEL_BYTES as u64).expect("sized");
            files.push(format!("{LABELS_DIR}/{id}.pdf"));
        }
        let error = merge_files(dir.path(), &files, "0190f0aa-1111-7abc-8def-0123456789ff")
            .expect_err("refused");
        assert!(error.contains("64 MB"), "{error}");
    }
}
