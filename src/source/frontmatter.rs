//! Splitting a Markdown file into its YAML frontmatter and body, with line numbers kept exact,
//! and finding where a key or value sits in the frontmatter text for diagnostics.

use std::ops::Range;

/// Where the parts of a document file are, as byte ranges into its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub frontmatter: Range<usize>,
    /// 1-based line of the first frontmatter line (the line after the opening `---`).
    pub frontmatter_line: usize,
    pub body: Range<usize>,
    /// 1-based line of the first body line.
    pub body_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with `---`.
    Missing,
    /// Opened with `---` but never closed.
    Unterminated,
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\r', '\n', ' ', '\t']) == "---"
}

/// Splits `text` (BOM already removed) into frontmatter and body.
pub fn split(text: &str) -> Result<Split, SplitError> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or(SplitError::Missing)?;
    if !is_fence(first) {
        return Err(SplitError::Missing);
    }
    let fm_start = first.len();
    let mut offset = fm_start;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        let trimmed = line.trim_end_matches(['\r', '\n', ' ', '\t']);
        if trimmed == "---" || trimmed == "..." {
            let body_start = offset + line.len();
            return Ok(Split {
                frontmatter: fm_start..offset,
                frontmatter_line: 2,
                body: body_start..text.len(),
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err(SplitError::Unterminated)
}

/// The id a document's frontmatter declares, read by a plain line scan (a top-level
/// `id: VALUE` line, the value bare or quoted), for a document whose frontmatter does not
/// parse or lacks other required keys: references to it are then known to point at a broken
/// document rather than at nothing. Scans from the opening `---` to the closing one (or to the
/// end, when it is never closed). `None` when the text has no opening fence or no such line.
pub fn scan_id(text: &str) -> Option<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines();
    if !is_fence(lines.next()?) {
        return None;
    }
    for line in lines {
        let trimmed = line.trim_end_matches(['\r', ' ', '\t']);
        if trimmed == "---" || trimmed == "..." {
            return None;
        }
        let Some(rest) = trimmed
            .strip_prefix("id:")
            .or_else(|| trimmed.strip_prefix("\"id\":"))
            .or_else(|| trimmed.strip_prefix("'id':"))
        else {
            continue;
        };
        let value = rest.trim();
        let value = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            // A trailing comment is not part of a bare value.
            _ => value.split(" #").next().unwrap_or("").trim_end(),
        }
        .trim();
        if value.is_empty() || value.contains(char::is_whitespace) {
            return None;
        }
        return Some(value.to_string());
    }
    None
}

/// The top-level keys of frontmatter text, each with its block (its line up to the next
/// top-level key), found in one pass so that locating many values does not rescan the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys(Vec<KeyBlock>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyBlock {
    name: String,
    /// 0-based line of the key, and the block's byte range in the frontmatter text.
    line: usize,
    block: Range<usize>,
}

impl Keys {
    pub fn of(frontmatter: &str) -> Keys {
        let mut keys: Vec<KeyBlock> = Vec::new();
        let mut offset = 0;
        for (i, line) in frontmatter.split_inclusive('\n').enumerate() {
            let content = line.trim_end_matches(['\n', '\r']);
            let top_level = !content.starts_with([' ', '\t', '-', '#']) && !content.trim().is_empty();
            if top_level {
                if let Some(last) = keys.last_mut() {
                    last.block.end = offset;
                }
                let name = content.split(':').next().unwrap_or("").trim().trim_matches(['"', '\'']);
                keys.push(KeyBlock {
                    name: name.to_string(),
                    line: i,
                    block: offset..frontmatter.len(),
                });
            }
            offset += line.len();
        }
        Keys(keys)
    }

    /// Line and column (1-based, relative to the frontmatter) of `key`, or of `needle` as a
    /// whole token within the first block of `key`; the caller adds the frontmatter's first line.
    pub fn locate(&self, frontmatter: &str, key: &str, needle: Option<&str>) -> Option<(usize, usize)> {
        let k = self.0.iter().find(|k| k.name == key)?;
        let Some(n) = needle else {
            return Some((k.line + 1, 1));
        };
        let block = frontmatter.get(k.block.clone())?;
        for (j, line) in block.lines().enumerate() {
            let from = if j == 0 {
                line.find(':').map(|c| c + 1).unwrap_or(0)
            } else {
                0
            };
            if let Some(pos) = find_token(&line[from..], n) {
                return Some((k.line + j + 1, char_col(line, from + pos)));
            }
        }
        None
    }
}

impl Keys {
    /// Positions of several values of `key`, written in this order (a list's items): one forward
    /// scan of the key's block, so a list of thousands of items costs one pass, not one per item.
    /// A value not found after the previous one (written with YAML escapes, say) gets the key's
    /// position.
    pub fn locate_seq(&self, frontmatter: &str, key: &str, needles: &[&str]) -> Vec<Option<(usize, usize)>> {
        let Some(k) = self.0.iter().find(|k| k.name == key) else {
            return vec![None; needles.len()];
        };
        let Some(block) = frontmatter.get(k.block.clone()) else {
            return vec![None; needles.len()];
        };
        let mut cursor = block.find(':').map(|c| c + 1).unwrap_or(0);
        let mut lines = crate::source::lines::LineCursor::new(block);
        needles
            .iter()
            .map(|n| match find_token(&block[cursor..], n) {
                Some(p) if !n.is_empty() => {
                    let at = cursor + p;
                    cursor = at + n.len();
                    let (l, c) = lines.line_col(at);
                    Some((k.line + l, c))
                }
                _ => Some((k.line + 1, 1)),
            })
            .collect()
    }
}

/// Finds `needle` in `line` as a whole token (not inside a longer word), so `A.2.2` does not match `A.2.21`.
fn find_token(line: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '.' || c == '-' || c == '_';
    let mut from = 0;
    while let Some(p) = line[from..].find(needle) {
        let start = from + p;
        let end = start + needle.len();
        let before_ok = line[..start].chars().next_back().is_none_or(|c| !is_word(c));
        let mut rest = line[end..].chars();
        let after_ok = match rest.next() {
            None => true,
            Some('.') => !rest.next().is_some_and(|c| c.is_ascii_digit()),
            Some(c) => !(c.is_alphanumeric() || c == '-' || c == '_'),
        };
        if before_ok && after_ok {
            return Some(start);
        }
        from = end;
    }
    line.find(needle)
}

fn char_col(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_exact_lines() {
        let text = "---\nid: A1\ntitle: T\n---\n# Body\n";
        let s = split(text).unwrap();
        assert_eq!(&text[s.frontmatter.clone()], "id: A1\ntitle: T\n");
        assert_eq!(&text[s.body.clone()], "# Body\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn crlf_and_trailing_spaces() {
        let text = "--- \r\nid: A1\r\n---\r\nbody";
        let s = split(text).unwrap();
        assert_eq!(&text[s.frontmatter.clone()], "id: A1\r\n");
        assert_eq!(&text[s.body], "body");
    }

    #[test]
    fn missing_and_unterminated() {
        assert_eq!(split("# Just markdown\n"), Err(SplitError::Missing));
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("---\nid: x\n"), Err(SplitError::Unterminated));
    }

    #[test]
    fn empty_frontmatter() {
        let s = split("---\n---\n").unwrap();
        assert!(s.frontmatter.is_empty());
    }

    #[test]
    fn ids_are_scanned_from_broken_frontmatter() {
        assert_eq!(
            scan_id("---\nid: POL-1\ntitle: [unclosed\n---\nbody\n").as_deref(),
            Some("POL-1")
        );
        assert_eq!(scan_id("---\ntitle: x\nid: \"POL-2\"\n---\n").as_deref(), Some("POL-2"));
        assert_eq!(scan_id("---\r\nid: 'POL-3'\r\n---\r\n").as_deref(), Some("POL-3"));
        assert_eq!(scan_id("---\nid: POL-4 # the policy\n").as_deref(), Some("POL-4"));
        assert_eq!(scan_id("\u{feff}---\nid:POL-5\n---\n").as_deref(), Some("POL-5"));
        // Nested, after the closing fence, empty, or no frontmatter at all: nothing.
        assert_eq!(scan_id("---\nowner:\n  id: X\n---\n"), None);
        assert_eq!(scan_id("---\ntitle: T\n---\nid: X\n"), None);
        assert_eq!(scan_id("---\nid:\n---\n"), None);
        assert_eq!(scan_id("id: X\n"), None);
    }

    #[test]
    fn locates_keys_and_values() {
        let fm = "id: X\nlikelihood: high\ncontrols:\n  - A.2.2\n  - A.2.21\nrisks: [R1, R2]\n";
        assert_eq!(Keys::of(fm).locate(fm, "likelihood", None), Some((2, 1)));
        assert_eq!(Keys::of(fm).locate(fm, "likelihood", Some("high")), Some((2, 13)));
        assert_eq!(Keys::of(fm).locate(fm, "controls", Some("A.2.21")), Some((5, 5)));
        assert_eq!(Keys::of(fm).locate(fm, "risks", Some("R2")), Some((6, 13)));
        assert_eq!(Keys::of(fm).locate(fm, "nope", None), None);
    }
}
