//! Search terms and snippets of text, found while the source is read: the tokeniser the search
//! index is built with, kept here so loading needs nothing from rendering.

/// The distinct terms of lower-case text, separated by spaces, in order of first occurrence.
/// Tokenising the result again yields exactly the same terms.
pub fn distinct_terms(lower: &str) -> String {
    use foldhash::HashSetExt;
    let mut seen: foldhash::HashSet<&str> = foldhash::HashSet::with_capacity(lower.len() / 16);
    let mut out = String::with_capacity(lower.len() / 4);
    terms_of_lowercase(lower, |t| {
        if seen.insert(t) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t);
        }
    });
    out.shrink_to_fit();
    out
}

/// The search terms of text already in lower case, as slices of it (no allocation): runs of
/// letters, digits and `.-_:`, trimmed of those separators; ids keep their inner separators
/// (`a.6.2.4`, `pol-001`) and also yield their parts; single characters are dropped, except digits.
/// Scans bytes: ASCII decides by table, and only non-ASCII characters are decoded.
pub fn terms_of_lowercase<'a>(text: &'a str, mut emit: impl FnMut(&'a str)) {
    let is_sep = |b: u8| matches!(b, b'.' | b'-' | b'_' | b':');
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let mut has_sep = false;
        // The token: alphanumeric characters and separators.
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                i += 1;
            } else if is_sep(b) {
                has_sep = true;
                i += 1;
            } else if b >= 0x80 {
                match text[i..].chars().next() {
                    Some(c) if c.is_alphanumeric() => i += c.len_utf8(),
                    _ => break,
                }
            } else {
                break;
            }
        }
        if i > start {
            let mut token = &text[start..i];
            if has_sep {
                token = token.trim_matches(|c: char| c.is_ascii() && is_sep(c as u8));
            }
            if two_chars(token) || (!token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())) {
                emit(token);
            }
            if has_sep && token.bytes().any(is_sep) {
                for part in token.split(|c: char| c.is_ascii() && is_sep(c as u8)) {
                    if two_chars(part) {
                        emit(part);
                    }
                }
            }
        }
        // Past the character that ended the token.
        if i < bytes.len() {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
}

/// At least two characters (as the search page counts them).
fn two_chars(t: &str) -> bool {
    let mut c = t.chars();
    c.next().is_some() && c.next().is_some()
}

/// A snippet: the start of the text, cut at a word boundary.
pub fn snippet(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(p) if p > max / 2 => format!("{}…", &cut[..p]),
        _ => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokeniser's specification, written plainly: lower-case terms; ids keep their inner
    /// `.`/`-` (`a.6.2.4`, `pol-001`) and also yield their parts.
    fn terms(text: &str, mut emit: impl FnMut(&str)) {
        for raw in text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))) {
            let token = raw.trim_matches(|c: char| matches!(c, '.' | '-' | '_' | ':'));
            if token.is_empty() {
                continue;
            }
            let lower = token.to_lowercase();
            if lower.chars().count() >= 2 || lower.chars().all(|c| c.is_ascii_digit()) {
                emit(&lower);
            }
            if lower.contains(['.', '-', '_', ':']) {
                for part in lower.split(['.', '-', '_', ':']) {
                    if part.chars().count() >= 2 {
                        emit(part);
                    }
                }
            }
        }
    }

    #[test]
    fn ids_and_words_become_terms() {
        let mut out = Vec::new();
        let text = "See POL-001 and A.6.2.4, clause 6.1.2. Fairness!".to_lowercase();
        terms_of_lowercase(&text, |t| out.push(t.to_string()));
        for t in ["see", "pol-001", "pol", "001", "a.6.2.4", "6.1.2", "fairness"] {
            assert!(out.contains(&t.to_string()), "{t} in {out:?}");
        }
    }

    #[test]
    fn fast_tokeniser_agrees_with_terms() {
        let text = "À propos: «Zürich» α-β_γ 3 x ..a.6.2.4.. pol-001, über—naïve 東京 — ok; e:mail";
        let lower = text.to_lowercase();
        let (mut fast, mut reference) = (Vec::new(), Vec::new());
        terms_of_lowercase(&lower, |t| fast.push(t.to_string()));
        terms(text, |t| reference.push(t.to_string()));
        assert_eq!(fast, reference);
    }

    #[test]
    fn distinct_terms_keep_every_term_once() {
        let text = "see pol-001 and a.6.2.4; see pol-001 again, and 7 x";
        let once = distinct_terms(text);
        assert_eq!(once, "see pol-001 pol 001 and a.6.2.4 again 7");
        let (mut all, mut again) = (Vec::new(), Vec::new());
        terms_of_lowercase(text, |t| all.push(t));
        terms_of_lowercase(&once, |t| again.push(t));
        all.sort_unstable();
        all.dedup();
        again.sort_unstable();
        again.dedup();
        assert_eq!(all, again);
    }
}
