//! The search index: built at build time into `search/index.js`, a script that sets one global,
//! so it loads lazily from file:// as well as from a server (no fetch, no CORS).
//! Terms map to posting lists of page numbers (delta-encoded, base 36); terms found on most pages
//! are listed as "common" and match everything, which keeps the index small.
//! The start of each document's text (its excerpt) is kept apart, in shards of
//! [`SHARD`] pages (`search/text/N.js`), which the browser loads only for the results it shows,
//! to show the words around a match.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::source::text::terms_of_lowercase;

/// One searchable page.
/// Everything but the address and the metadata text is borrowed: there is one per page.
pub struct SearchPage<'a> {
    pub url: String,
    pub kind: &'a str,
    pub id: &'a str,
    pub title: &'a str,
    pub snippet: &'a str,
    /// The start of the page's text, for a snippet around the match ("" for none).
    pub excerpt: &'a str,
    /// Searchable metadata (id, title, ids it cites), in lower case.
    pub text: String,
    /// The body's search terms (`distinct_terms`; borrowed: bodies are many).
    pub body: &'a str,
}

#[derive(Serialize)]
struct Index<'a> {
    pages: Vec<[&'a str; 5]>,
    terms: BTreeMap<String, String>,
    common: Vec<String>,
    /// Pages per excerpt shard, and how many pages (from the first) have shards.
    shard: usize,
    texts: usize,
}

/// Pages per excerpt shard: a result list of ten loads a few shards of some 40 KB.
pub const SHARD: usize = 64;

/// Where the index's files go: a path in the portal and its bytes.
pub type Emit<'e> = dyn FnMut(&str, &[u8]) -> anyhow::Result<()> + 'e;

/// `prefix`, the JSON of `value` and `suffix` as a script's text, in one buffer: `</` escaped
/// (`<\/` is the same JSON string) so nothing a title or a body says can end the script early.
pub(crate) fn script_json<T: Serialize>(prefix: &str, value: &T, suffix: &str) -> Vec<u8> {
    let mut out = prefix.as_bytes().to_vec();
    if serde_json::to_writer(&mut out, value).is_err() {
        out.truncate(prefix.len());
        out.extend_from_slice(b"null");
    }
    out.extend_from_slice(suffix.as_bytes());
    if memchr::memmem::find(&out, b"</").is_some() {
        let text = String::from_utf8_lossy(&out).replace("</", "<\\/");
        return text.into_bytes();
    }
    out
}

fn base36(mut n: usize, out: &mut String) {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = DIGITS[n % 36];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

/// Builds the index (`search/index.js`) and its excerpt shards (`search/text/N.js`), handing
/// each file to `emit` as it is made (the shards are not all held at once).
pub fn build_index(pages: &[SearchPage], emit: &mut Emit) -> anyhow::Result<()> {
    use rayon::prelude::*;
    // Lower-case each page once; invert in parallel over runs of pages, then merge the runs in
    // order, so every posting list stays sorted without sorting it.
    // foldhash: the fastest well-kept hasher for millions of short keys.
    type Postings<'a> = foldhash::HashMap<&'a str, Vec<u32>>;
    // A few large runs, not one per rayon split: each run's map holds most of the vocabulary.
    let run_len = pages.len().div_ceil(rayon::current_num_threads() * 2).max(64);
    let postings: Postings = pages
        .par_chunks(run_len)
        .enumerate()
        .map(|(k, run)| {
            let mut map = Postings::default();
            for (j, page) in run.iter().enumerate() {
                let n = (k * run_len + j) as u32;
                let mut add = |t| {
                    let list: &mut Vec<u32> = map.entry(t).or_default();
                    if list.last() != Some(&n) {
                        list.push(n);
                    }
                };
                terms_of_lowercase(&page.text, &mut add);
                // Already tokenised by `distinct_terms`: splitting on spaces gives the same terms.
                page.body.split(' ').filter(|t| !t.is_empty()).for_each(&mut add);
            }
            map
        })
        .reduce(Postings::default, |mut left, right| {
            for (t, mut list) in right {
                left.entry(t).or_default().append(&mut list);
            }
            left
        });
    let common_threshold = if pages.len() >= 50 { pages.len() / 2 } else { usize::MAX };
    let mut common = Vec::new();
    let mut encoded = BTreeMap::new();
    for (term, mut list) in postings {
        // Runs merge in page order; make sure regardless, since the deltas need ascending lists.
        if !list.windows(2).all(|w| w[0] < w[1]) {
            list.sort_unstable();
            list.dedup();
        }
        if list.len() > common_threshold {
            common.push(term.to_string());
            continue;
        }
        let mut s = String::with_capacity(list.len() * 2);
        let mut prev = 0;
        for (i, n) in list.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            base36((*n - prev) as usize, &mut s);
            prev = *n;
        }
        encoded.insert(term.to_string(), s);
    }
    common.sort();
    let texts = pages.iter().rposition(|p| !p.excerpt.is_empty()).map_or(0, |i| i + 1);
    let index = Index {
        pages: pages
            .iter()
            .map(|p| [p.url.as_str(), p.kind, p.id, p.title, p.snippet])
            .collect(),
        terms: encoded,
        common,
        shard: SHARD,
        texts,
    };
    for (k, run) in pages[..texts].chunks(SHARD).enumerate() {
        let excerpts: Vec<&str> = run.iter().map(|p| p.excerpt).collect();
        let prefix = format!("(window.AIMSBOOK_TEXT=window.AIMSBOOK_TEXT||{{}})[{k}]=");
        emit(&format!("search/text/{k}.js"), &script_json(&prefix, &excerpts, ";\n"))?;
    }
    emit(
        "search/index.js",
        &script_json("window.AIMSBOOK_SEARCH=", &index, ";\n"),
    )
}

/// The search index of the portal: every document, clause, control and framework control.
/// Control entries carry their assessed state, so "gap" or "partial" finds them.
pub fn index_js(ctx: &super::pages::Shared, emit: &mut Emit) -> anyhow::Result<()> {
    use super::{clause_href, control_href, doc_href, framework_href, type_label};
    use rayon::prelude::*;
    let aims = ctx.aims;
    let mut entries: Vec<SearchPage> = aims
        .docs
        .par_iter()
        .zip(&aims.source)
        .map(|(d, &source)| {
            let body = &ctx.bodies[source];
            let mut text = format!("{} {} {} ", d.id, d.title, d.summary.as_deref().unwrap_or(""));
            for m in d.clauses.iter().chain(&d.controls) {
                text.push_str(&m.text);
                text.push(' ');
            }
            SearchPage {
                url: doc_href(d),
                kind: type_label(d.doc_type),
                id: &d.id,
                title: &d.title,
                // Without a summary, the browser shows the start of the excerpt.
                snippet: d.summary.as_deref().unwrap_or(""),
                excerpt: &body.excerpt,
                text: text.to_lowercase(),
                body: &body.text,
            }
        })
        .collect();
    for c in &aims.catalog.clauses {
        entries.push(SearchPage {
            url: clause_href(&c.id),
            kind: "Clause",
            id: &c.id,
            title: &c.title,
            snippet: &c.summary,
            excerpt: "",
            text: format!("{} {} {}", c.id, c.title, c.summary).to_lowercase(),
            body: "",
        });
    }
    for (i, c) in aims.catalog.iso.controls.iter().enumerate() {
        let f = &aims.facts.controls[i];
        entries.push(SearchPage {
            url: control_href(&c.id),
            kind: "Control",
            id: &c.id,
            title: &c.title,
            snippet: &c.summary,
            excerpt: "",
            text: format!(
                "{} iso42001:{} {} {} {} {}",
                c.id,
                c.id,
                c.title,
                c.summary,
                f.state.label(),
                f.justification.as_deref().unwrap_or("")
            )
            .to_lowercase(),
            body: "",
        });
    }
    for fw in &aims.catalog.frameworks {
        for c in &fw.controls {
            entries.push(SearchPage {
                url: framework_href(&fw.prefix, &c.id),
                kind: &fw.name,
                id: &c.id,
                title: &c.title,
                snippet: &c.summary,
                excerpt: "",
                text: format!("{} {}:{} {} {}", c.id, fw.prefix, c.id, c.title, c.summary).to_lowercase(),
                body: "",
            });
        }
    }
    build_index(&entries, emit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_value_can_end_the_script_early() {
        let js = script_json("window.X=", &["a</script><script>alert(1)</script>"], ";\n");
        let js = String::from_utf8(js).unwrap();
        assert!(!js.contains("</"), "{js}");
        assert_eq!(
            js,
            r#"window.X=["a<\/script><script>alert(1)<\/script>"];"#.to_string() + "\n"
        );
    }

    #[test]
    fn postings_are_delta_encoded() {
        let page = |t: &str| SearchPage {
            url: "u".into(),
            kind: "k",
            id: "i",
            title: "t",
            snippet: "s",
            excerpt: "",
            text: t.into(),
            body: "",
        };
        let pages: Vec<SearchPage> = (0..40)
            .map(|i| page(if i % 10 == 0 { "rare" } else { "other" }))
            .collect();
        let mut js = String::new();
        build_index(&pages, &mut |path, bytes| {
            if path == "search/index.js" {
                js = String::from_utf8(bytes.to_vec()).unwrap();
            }
            Ok(())
        })
        .unwrap();
        assert!(js.starts_with("window.AIMSBOOK_SEARCH="));
        assert!(js.ends_with(";\n"));
        assert!(js.contains(r#""rare":"0,a,a,a""#), "{js}");
    }
}
