//! Bytes to text, and the shape of the text: which separator, where the header is.

use std::borrow::Cow;

use super::{CsvDelimiter, CsvEncoding, CsvError, CsvFormat};

/// A file read into records, with each record's physical line.
pub(super) struct Sheet {
    pub format: CsvFormat,
    pub headers: Vec<String>,
    /// Data records (the header and blank records left out), each with the 1-based physical
    /// line where it starts.
    pub rows: Vec<(u32, ::csv::StringRecord)>,
}

/// Decodes `bytes`: a BOM says UTF-8 or UTF-16; else valid UTF-8 is UTF-8, and anything else is
/// taken as Windows-1252 (what Excel writes in French and English Windows settings). A forced
/// encoding decodes leniently (malformed bytes become U+FFFD) and drops its own BOM.
pub(super) fn decode(bytes: &[u8], forced: Option<CsvEncoding>) -> (Cow<'_, str>, CsvEncoding) {
    let encoding = forced.unwrap_or_else(|| detect_encoding(bytes));
    let text = match encoding {
        CsvEncoding::Utf8 => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8_lossy(body)
        }
        CsvEncoding::Utf16Le => encoding_rs::UTF_16LE.decode_with_bom_removal(bytes).0,
        CsvEncoding::Utf16Be => encoding_rs::UTF_16BE.decode_with_bom_removal(bytes).0,
        CsvEncoding::Windows1252 => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    };
    (text, encoding)
}

fn detect_encoding(bytes: &[u8]) -> CsvEncoding {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        CsvEncoding::Utf8
    } else if bytes.starts_with(b"\xFF\xFE") {
        CsvEncoding::Utf16Le
    } else if bytes.starts_with(b"\xFE\xFF") {
        CsvEncoding::Utf16Be
    } else if std::str::from_utf8(bytes).is_ok() {
        CsvEncoding::Utf8
    } else {
        CsvEncoding::Windows1252
    }
}

/// Reads the whole text into records with the forced or detected separator.
pub(super) fn read_sheet(
    bytes: &[u8],
    encoding: Option<CsvEncoding>,
    delimiter: Option<CsvDelimiter>,
) -> Result<Sheet, CsvError> {
    let (text, encoding) = decode(bytes, encoding);
    // Excel's `sep=;` first line names the separator; it is not part of the table.
    let (sep_hint, body, line_offset) = match excel_sep_line(&text) {
        Some((delimiter, rest)) => (Some(delimiter), rest, 1),
        None => (None, &text[..], 0),
    };
    let delimiter = delimiter
        .or(sep_hint)
        .unwrap_or_else(|| detect_delimiter(body));
    let mut reader = reader(body, delimiter);
    let mut lines = LineCounter::new(body.as_bytes(), line_offset);
    let mut headers = None;
    let mut rows = Vec::new();
    let mut record = ::csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // Reading from a `&str` cannot fail on I/O or UTF-8; keep the parser's word anyway.
            Err(err) => return Err(CsvError::Io(std::io::Error::other(err))),
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        if headers.is_none() {
            headers = Some(record.iter().map(|h| h.trim().to_owned()).collect());
        } else {
            rows.push((line, record.clone()));
        }
    }
    Ok(Sheet {
        format: CsvFormat {
            encoding,
            delimiter,
        },
        headers: headers.ok_or(CsvError::NoHeader)?,
        rows,
    })
}

/// Physical line numbers of records. The parser's own `Position::line` is not one: it lags
/// behind on CRLF files and does not count blank lines. A record's byte offset is where the
/// parser started reading it, before the line breaks it skipped; its line is one plus the line
/// breaks (`\r\n`, `\n` or a lone `\r`) before its first character.
struct LineCounter<'a> {
    text: &'a [u8],
    counted_to: usize,
    breaks: u32,
    offset: u32,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8], offset: u32) -> Self {
        Self {
            text,
            counted_to: 0,
            breaks: 0,
            offset,
        }
    }

    /// Offsets must not decrease from one call to the next.
    fn line_at(&mut self, byte: u64) -> u32 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        let start = start.max(self.counted_to);
        let chunk = &self.text[self.counted_to..start];
        for (i, byte) in chunk.iter().enumerate() {
            let lone_cr = *byte == b'\r' && chunk.get(i + 1) != Some(&b'\n');
            if *byte == b'\n' || lone_cr {
                self.breaks = self.breaks.saturating_add(1);
            }
        }
        self.counted_to = start;
        self.breaks.saturating_add(1).saturating_add(self.offset)
    }
}

fn reader(text: &str, delimiter: CsvDelimiter) -> ::csv::Reader<&[u8]> {
    ::csv::ReaderBuilder::new()
        .delimiter(delimiter.byte())
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// `sep=;` (or `sep=,`, `sep=<tab>`) alone on the first line, and the text after that line.
fn excel_sep_line(text: &str) -> Option<(CsvDelimiter, &str)> {
    let rest = text.strip_prefix("sep=")?;
    let delimiter = match rest.as_bytes().first()? {
        b',' => CsvDelimiter::Comma,
        b';' => CsvDelimiter::Semicolon,
        b'\t' => CsvDelimiter::Tab,
        _ => return None,
    };
    let after = &rest[1..];
    let after = after
        .strip_prefix("\r\n")
        .or_else(|| after.strip_prefix('\n'))
        .or_else(|| after.strip_prefix('\r'))?;
    Some((delimiter, after))
}

/// Records looked at to guess the separator.
const SNIFF_RECORDS: usize = 50;

/// The separator that splits the header into the most columns and the following records into as
/// many, parsed with quotes honoured (a `;` inside a quoted English description does not count).
/// Ties go to `;`, then `,`, then tab. When no separator gives two columns, the one most
/// frequent on the first line wins (`,` if none is there: a single-column file).
pub(super) fn detect_delimiter(text: &str) -> CsvDelimiter {
    let first_line = text.lines().next().unwrap_or("");
    let fallback = [
        CsvDelimiter::Comma,
        CsvDelimiter::Semicolon,
        CsvDelimiter::Tab,
    ]
    .into_iter()
    .rev()
    .max_by_key(|d| first_line.matches(char::from(d.byte())).count())
    .filter(|d| first_line.contains(char::from(d.byte())))
    .unwrap_or(CsvDelimiter::Comma);
    let mut best = (fallback, 0usize, 0usize);
    for candidate in [
        CsvDelimiter::Semicolon,
        CsvDelimiter::Comma,
        CsvDelimiter::Tab,
    ] {
        let mut reader = reader(text, candidate);
        let mut header_len = None;
        let mut consistent = 0;
        for record in reader.records().take(SNIFF_RECORDS) {
            let Ok(record) = record else { break };
            if record.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            let expected = *header_len.get_or_insert(record.len());
            if record.len() == expected {
                consistent += 1;
            }
        }
        let columns = header_len.unwrap_or(0);
        if columns >= 2 && (consistent, columns) > (best.1, best.2) {
            best = (candidate, consistent, columns);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        assert_eq!(detect_encoding(b"\xEF\xBB\xBFa;b"), CsvEncoding::Utf8);
        assert_eq!(detect_encoding("été".as_bytes()), CsvEncoding::Utf8);
        assert_eq!(detect_encoding(b"\xE9t\xE9"), CsvEncoding::Windows1252);
        assert_eq!(detect_encoding(b"\xFF\xFEa\0"), CsvEncoding::Utf16Le);
        assert_eq!(decode(b"\x80 \xE9t\xE9", None).0, "€ été");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Prix\t€".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16, None).0, "Prix\t€");
    }

    #[test]
    fn detects_delimiters_with_quotes_honoured() {
        assert_eq!(
            detect_delimiter("Titre;Prix\nRobe;12,50\nJupe;3,00\n"),
            CsvDelimiter::Semicolon
        );
        assert_eq!(
            detect_delimiter("Title,Description,Price\nDress,\"a; b; c\",12.50\n"),
            CsvDelimiter::Comma
        );
        assert_eq!(
            detect_delimiter("Title\tPrice\nDress\t12.50\n"),
            CsvDelimiter::Tab
        );
        assert_eq!(detect_delimiter("Title\nDress\n"), CsvDelimiter::Comma);
        assert_eq!(detect_delimiter(";;;\r\n"), CsvDelimiter::Semicolon);
        assert_eq!(detect_delimiter(",,\n"), CsvDelimiter::Comma);
    }

    #[test]
    fn honours_excel_sep_line_and_keeps_physical_lines() {
        let sheet = read_sheet(b"sep=;\r\nTitre;Prix\r\nRobe;12,50\r\n", None, None).unwrap();
        assert_eq!(sheet.format.delimiter, CsvDelimiter::Semicolon);
        assert_eq!(sheet.headers, ["Titre", "Prix"]);
        assert_eq!(sheet.rows[0].0, 3);
    }

    #[test]
    fn counts_physical_lines_across_crlf_blank_lines_and_quoted_breaks() {
        let text = "a;b\r\n\"c\r\nx\";d\r\n\r\n;;\r\ne;f\rg;h\n\n\"\ni\";j";
        let sheet = read_sheet(text.as_bytes(), None, Some(CsvDelimiter::Semicolon)).unwrap();
        let lines: Vec<u32> = sheet.rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 6, 7, 9]);
    }
}
