//! A register as an A4 PDF: a title, a table whose header row is repeated on every page, page
//! numbers, and the total at the end.
//!
//! Text uses the standard Helvetica fonts with WinAnsiEncoding, so nothing is embedded and the
//! file stays small: text is encoded to Windows-1252 (é, è, à, ç, €, œ, … print); a character
//! that encoding lacks prints as `?`. Widths come from Helvetica's metrics, to wrap long cells
//! and align amounts to the right.

use std::io::Write;

use chrono::Local;
use encoding_rs::WINDOWS_1252;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{
    Register, format_amount, period_days, register_headers, register_title, row_cells, total_label,
};
use crate::csv::{CsvLanguage, format_day};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN_X: f32 = 40.0;
const MARGIN_TOP: f32 = 48.0;
const MARGIN_BOTTOM: f32 = 56.0;
/// Column widths in points (they add up to the page width less the margins): date, reference,
/// client or supplier, nature, amount, payment method.
const COLUMNS: [f32; 6] = [54.0, 68.0, 100.0, 146.0, 55.0, 92.0];
const AMOUNT_COLUMN: usize = 4;
const CELL_PADDING: f32 = 3.0;
const TEXT_SIZE: f32 = 8.5;
const LINE_HEIGHT: f32 = 10.5;
const ROW_PADDING: f32 = 3.5;
/// A cell shows at most this many lines; the last one ends with "…" when the text is longer.
const MAX_CELL_LINES: usize = 4;

const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

/// Writes `register` as an A4 PDF in `language`, headed by `shop_name`.
pub fn write_register_pdf<W: Write>(
    register: &Register,
    language: CsvLanguage,
    shop_name: &str,
    mut out: W,
) -> std::io::Result<()> {
    out.write_all(&render(register, language, shop_name))?;
    out.flush()
}

/// One table row laid out: the lines of each cell and the row's height.
struct LaidRow {
    cells: Vec<Vec<Vec<u8>>>,
    height: f32,
    bold: bool,
}

fn lay_row(cells: &[String], bold: bool) -> LaidRow {
    let font = if bold { &BOLD_WIDTHS } else { &REGULAR_WIDTHS };
    let cells: Vec<Vec<Vec<u8>>> = cells
        .iter()
        .zip(COLUMNS)
        .map(|(text, width)| wrap(&encode(text), width - 2.0 * CELL_PADDING, font))
        .collect();
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    LaidRow {
        cells,
        height: lines as f32 * LINE_HEIGHT + 2.0 * ROW_PADDING,
        bold,
    }
}

fn render(register: &Register, language: CsvLanguage, shop_name: &str) -> Vec<u8> {
    let fr = language == CsvLanguage::Fr;
    let title = register_title(register, language);
    let header_cells = register_headers(register.kind, language).map(str::to_owned);
    let header = lay_row(&header_cells, true);
    let mut rows: Vec<LaidRow> = register
        .rows
        .iter()
        .map(|row| lay_row(&row_cells(row, language), false))
        .collect();
    if rows.is_empty() {
        let none = if fr {
            "Aucune opération sur la période."
        } else {
            "No entry in this period."
        };
        rows.push(lay_row(
            &[
                String::new(),
                String::new(),
                String::new(),
                none.to_owned(),
                String::new(),
                String::new(),
            ],
            false,
        ));
    }
    let count = register.rows.len();
    let entries = match (fr, count) {
        (true, 0 | 1) => format!("{count} opération"),
        (true, _) => format!("{count} opérations"),
        (false, 1) => "1 entry".to_owned(),
        (false, _) => format!("{count} entries"),
    };
    let total = lay_row(
        &[
            total_label(language).to_owned(),
            String::new(),
            String::new(),
            entries,
            format_amount(register.total_cents, language),
            String::new(),
        ],
        true,
    );

    // Page 1 starts below the title block; every page repeats a short title and the header row.
    let first_top = PAGE_HEIGHT - MARGIN_TOP - 62.0;
    let next_top = PAGE_HEIGHT - MARGIN_TOP - 22.0;
    let mut pages: Vec<Vec<&LaidRow>> = vec![Vec::new()];
    let mut y = first_top - header.height;
    for row in rows.iter().chain([&total]) {
        if y - row.height < MARGIN_BOTTOM && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            y = next_top - header.height;
        }
        y -= row.height;
        pages.last_mut().expect("a page").push(row);
    }

    let generated = format_day(Local::now().date_naive(), language);
    let subtitle = if fr {
        format!("Montants en euros (€) · édité le {generated}")
    } else {
        format!("Amounts in euros (€) · issued {generated}")
    };
    let (first_day, last_day) = period_days(register);
    let short_title = format!(
        "{} · {} – {}",
        super::register_name(register.kind, language),
        format_day(first_day, language),
        format_day(last_day, language)
    );

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let page_ids: Vec<(Ref, Ref)> = (0..pages.len() as i32)
        .map(|n| (Ref::new(6 + 2 * n), Ref::new(7 + 2 * n)))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(page_ids.len() as i32);
    for (id, base) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(&title))
        .author(TextStr(shop_name))
        .producer(TextStr("Seller Panel"));

    let page_count = pages.len();
    for (n, (page_rows, (page_id, content_id))) in pages.iter().zip(&page_ids).enumerate() {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(*content_id);
        page.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        page.finish();

        let mut content = Content::new();
        let top = if n == 0 {
            let mut y = PAGE_HEIGHT - MARGIN_TOP;
            text(
                &mut content,
                BOLD,
                15.0,
                MARGIN_X,
                y - 15.0,
                &encode(&title),
            );
            y -= 15.0 + 16.0;
            text(
                &mut content,
                BOLD,
                10.5,
                MARGIN_X,
                y - 10.5,
                &encode(shop_name),
            );
            y -= 10.5 + 6.0;
            content.set_fill_gray(0.35);
            text(
                &mut content,
                REGULAR,
                8.5,
                MARGIN_X,
                y - 8.5,
                &encode(&subtitle),
            );
            content.set_fill_gray(0.0);
            first_top
        } else {
            content.set_fill_gray(0.35);
            let running = format!("{short_title} · {shop_name}");
            text(
                &mut content,
                REGULAR,
                8.5,
                MARGIN_X,
                PAGE_HEIGHT - MARGIN_TOP - 8.5,
                &encode(&running),
            );
            content.set_fill_gray(0.0);
            next_top
        };
        let mut y = top;
        draw_row(&mut content, &header, y, Some(0.9));
        y -= header.height;
        for row in page_rows {
            let is_total = std::ptr::eq(*row, &total);
            if is_total {
                rule(&mut content, y, 0.8, 0.0);
            }
            draw_row(&mut content, row, y, None);
            y -= row.height;
            if !is_total {
                rule(&mut content, y, 0.3, 0.75);
            }
        }

        let number = if fr {
            format!("Page {} / {page_count}", n + 1)
        } else {
            format!("Page {} of {page_count}", n + 1)
        };
        let number = encode(&number);
        let width = measure(&number, &REGULAR_WIDTHS, 8.0);
        content.set_fill_gray(0.35);
        text(
            &mut content,
            REGULAR,
            8.0,
            (PAGE_WIDTH - width) / 2.0,
            MARGIN_BOTTOM - 28.0,
            &number,
        );
        pdf.stream(*content_id, &content.finish());
    }
    pdf.finish()
}

/// Draws a row whose top edge is at `top`, on a grey background when `fill` is given.
fn draw_row(content: &mut Content, row: &LaidRow, top: f32, fill: Option<f32>) {
    if let Some(gray) = fill {
        content.set_fill_gray(gray);
        content.rect(MARGIN_X, top - row.height, COLUMNS.iter().sum(), row.height);
        content.fill_nonzero();
        content.set_fill_gray(0.0);
    }
    let (font, widths) = if row.bold {
        (BOLD, &BOLD_WIDTHS)
    } else {
        (REGULAR, &REGULAR_WIDTHS)
    };
    let mut x = MARGIN_X;
    for (column, (lines, width)) in row.cells.iter().zip(COLUMNS).enumerate() {
        for (n, line) in lines.iter().enumerate() {
            let baseline = top - ROW_PADDING - (n as f32 + 1.0) * LINE_HEIGHT + 2.5;
            let at = if column == AMOUNT_COLUMN {
                x + width - CELL_PADDING - measure(line, widths, TEXT_SIZE)
            } else {
                x + CELL_PADDING
            };
            text(content, font, TEXT_SIZE, at, baseline, line);
        }
        x += width;
    }
}

/// A horizontal rule across the table.
fn rule(content: &mut Content, y: f32, width: f32, gray: f32) {
    content.set_stroke_gray(gray);
    content.set_line_width(width);
    content.move_to(MARGIN_X, y);
    content.line_to(MARGIN_X + COLUMNS.iter().sum::<f32>(), y);
    content.stroke();
}

fn text(content: &mut Content, font: Name, size: f32, x: f32, y: f32, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    content.begin_text();
    content.set_font(font, size);
    content.next_line(x, y);
    content.show(Str(bytes));
    content.end_text();
}

/// Text as Windows-1252 bytes for WinAnsiEncoding; control characters become spaces and
/// characters the encoding lacks become `?`.
pub(crate) fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if c.is_control() {
            out.push(b' ');
        } else if c.is_ascii() {
            out.push(c as u8);
        } else {
            let (bytes, _, unmappable) = WINDOWS_1252.encode(c.encode_utf8(&mut buf));
            if unmappable || bytes.len() != 1 {
                out.push(b'?');
            } else {
                out.push(bytes[0]);
            }
        }
    }
    out
}

/// Width in points of Windows-1252 `bytes` at `size`.
fn measure(bytes: &[u8], widths: &[u16; 224], size: f32) -> f32 {
    bytes
        .iter()
        .map(|&b| f32::from(widths[usize::from(b.max(32)) - 32]))
        .sum::<f32>()
        * size
        / 1000.0
}

/// Splits `bytes` into lines no wider than `width` at [`TEXT_SIZE`], breaking between words
/// (inside a word only when it alone is too wide); at most [`MAX_CELL_LINES`], the last one
/// ending with "…" when text is left over.
fn wrap(bytes: &[u8], width: f32, widths: &[u16; 224]) -> Vec<Vec<u8>> {
    const ELLIPSIS: u8 = 0x85;
    let fits = |line: &[u8]| measure(line, widths, TEXT_SIZE) <= width;
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in bytes
        .split(|&b| b == b' ' || b == 0xA0)
        .filter(|w| !w.is_empty())
    {
        let mut candidate = current.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if fits(&candidate) {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // A word wider than the column is cut where it must.
        for &b in word {
            current.push(b);
            if !fits(&current) && current.len() > 1 {
                let last = current.pop().expect("a byte");
                lines.push(std::mem::replace(&mut current, vec![last]));
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > MAX_CELL_LINES {
        lines.truncate(MAX_CELL_LINES);
        let last = lines.last_mut().expect("a line");
        last.push(ELLIPSIS);
        while !fits(last) && last.len() > 1 {
            last.remove(last.len() - 2);
        }
    }
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    lines
}

/// Helvetica's advance widths (1/1000 em) of the WinAnsiEncoding bytes 32 to 255, from
/// Adobe's font metrics; undefined bytes are 0.
const REGULAR_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, //
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, //
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, //
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, //
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, //
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, //
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, //
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, //
    400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, //
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, //
];

/// Helvetica-Bold's, likewise.
const BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, //
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, //
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, //
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, //
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, //
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, //
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, //
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, //
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, //
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, //
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, //
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_encoded_to_windows_1252() {
        assert_eq!(encode("é€ç"), vec![0xE9, 0x80, 0xE7]);
        assert_eq!(encode("a\tb"), b"a b".to_vec());
        assert_eq!(encode("日本"), b"??".to_vec());
    }

    #[test]
    fn long_cells_wrap_between_words_and_end_with_an_ellipsis() {
        let lines = wrap(b"Robe d'ete en lin bleu", 60.0, &REGULAR_WIDTHS);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| measure(l, &REGULAR_WIDTHS, TEXT_SIZE) <= 60.0)
        );
        let long = "mot ".repeat(200);
        let lines = wrap(long.as_bytes(), 60.0, &REGULAR_WIDTHS);
        assert_eq!(lines.len(), MAX_CELL_LINES);
        assert_eq!(lines.last().unwrap().last(), Some(&0x85));
        let word = wrap(&[b'W'; 40], 30.0, &REGULAR_WIDTHS);
        assert!(
            word.iter()
                .all(|l| measure(l, &REGULAR_WIDTHS, TEXT_SIZE) <= 30.0)
        );
    }
}
