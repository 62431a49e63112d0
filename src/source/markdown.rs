//! Markdown → HTML in one pass per document. References are recorded with their positions and
//! left as numbered slots in the HTML; once the graph has resolved them, `fill_slots` writes the
//! final hrefs and titles. So each body is parsed once, for checking and for rendering alike.

use std::collections::VecDeque;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Characters reserved for text slots; the loader replaces them in sources.
pub const SLOT_CHARS: [char; 2] = ['\u{FDD1}', '\u{FDD2}'];
const CLOSE: char = '\u{FDD1}';
const TEXT_OPEN: char = '\u{FDD2}';
/// Href slots must survive pulldown-cmark's href escaping, so they are plain ASCII in a scheme
/// of our own; links that users write with this scheme are neutralised when compiling.
const HREF_SLOT: &str = "aimsbook:slot/";

/// Whether a link or image target that is not a repository path may stay as written: a
/// fragment, or an http, https or mailto URL. Everything else (`javascript:`, `vbscript:`,
/// `data:`, `file:`, unknown schemes, in any spelling) is dropped. Browsers ignore tabs and
/// newlines inside a URL and spaces before it, so they are ignored here too.
pub fn safe_external(dest: &str) -> bool {
    let cleaned: String = dest
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if cleaned.starts_with('#') {
        return true;
    }
    if let Some(rest) = cleaned.strip_prefix("//") {
        // Protocol-relative: the page's own scheme (http, https or file).
        return !rest.is_empty();
    }
    match cleaned.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// What a body may keep of the HTML its authors write: the elements a handbook uses, no script,
/// no event handlers, no `base`, `iframe`, `object`, `form` or `style`, and only http, https,
/// mailto and relative URLs. Our own href slots (`aimsbook:slot/N/`) pass; authors cannot write
/// them (`neutralise_raw` rewrites the scheme in raw HTML before it gets here).
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static CELL: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_tags([
            "details",
            "summary",
            "kbd",
            "sup",
            "sub",
            "br",
            "abbr",
            "input",
            "section",
            "figure",
            "figcaption",
            "mark",
            "dl",
            "dt",
            "dd",
        ])
        .add_tag_attributes("abbr", ["title"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("div", ["class"])
        .add_tag_attributes("sup", ["class"])
        .add_tag_attributes("span", ["class", "data-withheld", "title"])
        .add_generic_attributes(["id"])
        .url_schemes(["http", "https", "mailto", "aimsbook"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Table alignment is the only style a body keeps: it cannot load anything.
            ("th" | "td", "style") => {
                let v = value.trim().trim_end_matches(';').replace(' ', "");
                matches!(v.as_str(), "text-align:left" | "text-align:center" | "text-align:right").then(|| value.into())
            }
            ("input", "type") => (value == "checkbox").then(|| value.into()),
            ("img", "src") if value.trim_start().to_ascii_lowercase().starts_with("http:") => None,
            _ => Some(value.into()),
        });
        b
    })
}

/// Raw HTML as an author wrote it, with our slot scheme made unusable: only the compiler writes
/// `aimsbook:` URLs.
fn neutralise_raw(html: &str) -> CowStr<'_> {
    let lower = html.to_ascii_lowercase();
    if lower.contains("aimsbook:") {
        let mut out = String::with_capacity(html.len());
        let mut last = 0;
        for (i, _) in lower.match_indices("aimsbook:") {
            out.push_str(&html[last..i]);
            out.push_str("blocked-aimsbook-");
            last = i + "aimsbook:".len();
        }
        out.push_str(&html[last..]);
        out.into()
    } else {
        CowStr::Borrowed(html)
    }
}

#[derive(Debug, Default, Clone)]
pub struct CompiledBody {
    /// HTML with slots for resolved hrefs and titles.
    pub html: String,
    pub refs: Vec<BodyRef>,
    pub anchors: Vec<String>,
    /// The body's search terms, each once, lower case, separated by spaces (a page's words
    /// repeat a lot; the index only needs which terms occur).
    pub text: String,
    /// The start of the body's text as written (whitespace collapsed, at most
    /// [`EXCERPT_CHARS`] characters), from which search results show the words around a match.
    pub excerpt: String,
    /// A hash of the body as written, to tell whether it changed between two revisions.
    pub digest: u64,
}

/// How much of a body's text the search keeps for snippets: enough for the purpose and scope
/// of a policy, small enough that the excerpts of 10,000 documents stay a few megabytes.
pub const EXCERPT_CHARS: usize = 450;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// GitHub-style heading slug: lowercase, spaces to `-`, punctuation dropped.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_ascii() {
            match c {
                'a'..='z' | '0'..='9' | '_' => out.push(c),
                'A'..='Z' => out.push(c.to_ascii_lowercase()),
                ' ' | '-' => out.push('-'),
                _ => {}
            }
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A link or image to a file of the repository, with its `#fragment` split off.
fn path_ref(dest: &str) -> RefKind {
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p.to_string(), Some(f.to_string())),
        None => (dest.to_string(), None),
    };
    RefKind::Path {
        path,
        fragment,
        joined: None,
    }
}

fn text_slot(n: usize) -> String {
    format!("{TEXT_OPEN}{n}{CLOSE}")
}

fn href_slot(n: usize) -> CowStr<'static> {
    format!("{HREF_SLOT}{n}/").into()
}

/// Compiles a body that starts at `body_line` of its file.
/// A leading `# Heading` equal to `title` is dropped: the page already shows the title.
pub fn compile(body: &str, body_line: usize, title: Option<&str>, with_html: bool) -> CompiledBody {
    let mut lines = super::lines::LineCursor::new(body);
    let mut refs: Vec<BodyRef> = Vec::new();
    let mut anchors: Vec<String> = Vec::new();
    let mut seen_anchors: ahash::AHashSet<String> = ahash::AHashSet::new();
    // Plain text is for the search index, which only builds need.
    let mut text = String::with_capacity(if with_html { body.len() } else { 0 });
    // Events ready for the HTML writer: they stream through, a few at a time.
    let mut ready: VecDeque<Event> = VecDeque::new();
    // Whether anything has been written yet (a leading title heading is dropped).
    let mut emitted = false;
    // Heading being buffered until its end, to give it an id from its text.
    let mut heading: Option<PendingHeading> = None;
    // Inside a wikilink without custom text: drop its inner text, the title slot replaces it.
    let mut skip_link_text = false;
    // Whether the author wrote raw HTML: then the page goes through the sanitizer.
    let mut raw_html = false;

    let mut push_ref = |kind: RefKind, offset: usize, len: usize, refs: &mut Vec<BodyRef>| -> usize {
        let (l, c) = lines.position(offset);
        refs.push(BodyRef {
            kind,
            line: body_line + l,
            column: c,
            len,
        });
        refs.len() - 1
    };

    let mut parser = Parser::new_ext(body, options()).into_offset_iter();
    let events = std::iter::from_fn(|| loop {
        if let Some(e) = ready.pop_front() {
            return Some(e);
        }
        let (event, range) = parser.next()?;
        let event = match event {
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                title,
                id,
            }) => {
                let n = push_ref(
                    RefKind::Wiki {
                        target: dest_url.to_string(),
                        has_text: has_pothole,
                    },
                    range.start,
                    range.len(),
                    &mut refs,
                );
                let start = Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url: href_slot(n),
                    title,
                    id,
                });
                if !has_pothole {
                    skip_link_text = true;
                    emit(&mut heading, &mut ready, &mut emitted, start);
                    emit(&mut heading, &mut ready, &mut emitted, Event::Text(text_slot(n).into()));
                    continue;
                }
                start
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if !is_external(&dest_url) && !dest_url.is_empty() => {
                let n = push_ref(path_ref(&dest_url), range.start, range.len(), &mut refs);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: href_slot(n),
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if !is_external(&dest_url) && !dest_url.is_empty() => {
                let n = push_ref(path_ref(&dest_url), range.start, range.len(), &mut refs);
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: href_slot(n),
                    title,
                    id,
                })
            }
            // Targets outside the repository: only fragments and http, https, mailto URLs stay.
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if !safe_external(&dest_url) => Event::Start(Tag::Link {
                link_type,
                dest_url: "#".into(),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if !safe_external(&dest_url) || dest_url.trim_start().to_ascii_lowercase().starts_with("http:") => {
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: "#".into(),
                    title,
                    id,
                })
            }
            Event::Html(raw) => {
                raw_html = true;
                Event::Html(match neutralise_raw(&raw) {
                    CowStr::Borrowed(_) => raw,
                    owned => owned.into_string().into(),
                })
            }
            Event::InlineHtml(raw) => {
                raw_html = true;
                Event::InlineHtml(match neutralise_raw(&raw) {
                    CowStr::Borrowed(_) => raw,
                    owned => owned.into_string().into(),
                })
            }
            Event::End(TagEnd::Link) if skip_link_text => {
                skip_link_text = false;
                Event::End(TagEnd::Link)
            }
            Event::Text(_) | Event::Code(_) if skip_link_text => continue,
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs: _,
            }) => {
                heading = Some(PendingHeading {
                    level,
                    id,
                    classes,
                    inner: Vec::new(),
                    text: String::new(),
                    text_from: text.len(),
                });
                continue;
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(PendingHeading {
                    level,
                    id,
                    classes,
                    inner,
                    text: heading_text,
                    text_from,
                }) = heading.take()
                {
                    let first_block = !emitted && anchors.is_empty();
                    if first_block
                        && level == HeadingLevel::H1
                        && title.is_some_and(|t| t.trim().eq_ignore_ascii_case(heading_text.trim()))
                    {
                        // The title is shown (and indexed) apart; the text goes on without it.
                        text.truncate(text_from);
                        continue;
                    }
                    let mut anchor = id.map(|i| i.to_string()).unwrap_or_else(|| slugify(&heading_text));
                    if anchor.is_empty() {
                        anchor = "section".into();
                    }
                    let base = anchor.clone();
                    let mut k = 1;
                    while !seen_anchors.insert(anchor.clone()) {
                        anchor = format!("{base}-{k}");
                        k += 1;
                    }
                    anchors.push(anchor.clone());
                    emitted = true;
                    if with_html {
                        ready.push_back(Event::Start(Tag::Heading {
                            level,
                            id: Some(anchor.into()),
                            classes,
                            attrs: vec![],
                        }));
                        ready.extend(inner);
                        ready.push_back(Event::End(TagEnd::Heading(level)));
                    }
                }
                text.push(' ');
                continue;
            }
            other => other,
        };
        if let Event::Text(t) | Event::Code(t) = &event {
            if let Some(h) = heading.as_mut() {
                h.text.push_str(t);
            }
            if with_html {
                text.push_str(t);
            }
        } else if with_html && matches!(event, Event::SoftBreak | Event::HardBreak | Event::End(_)) {
            text.push(' ');
        }
        if with_html || heading.is_some() {
            emit(&mut heading, &mut ready, &mut emitted, event);
        } else {
            // Checking only: nothing is written, but what counts as "first" must not change.
            emitted = true;
        }
    });
    let mut html = String::new();
    if with_html {
        html.reserve(body.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, events);
        // Without raw HTML, what pulldown-cmark writes is escaped text and tags of its own, with
        // link targets filtered above; with it, the whole body is sanitized.
        if raw_html {
            html = sanitizer().clean(&html).to_string();
        }
        // Kept until every page is written: give back the reserve (a quarter of all bodies).
        html.shrink_to_fit();
    } else {
        events.for_each(drop);
    }
    let (text, excerpt) = if with_html {
        (
            crate::source::text::distinct_terms(&text.to_lowercase()),
            crate::source::text::snippet(&collapse_whitespace(&text, EXCERPT_CHARS), EXCERPT_CHARS),
        )
    } else {
        (String::new(), String::new())
    };
    CompiledBody {
        html,
        refs,
        anchors,
        text,
        excerpt,
        digest: {
            use std::hash::BuildHasher;
            foldhash::fast::FixedState::with_seed(0x0002_0234_2001).hash_one(body)
        },
    }
}

struct PendingHeading<'a> {
    level: HeadingLevel,
    id: Option<CowStr<'a>>,
    classes: Vec<CowStr<'a>>,
    inner: Vec<Event<'a>>,
    text: String,
    /// Where the heading's words start in the body's text.
    text_from: usize,
}

fn emit<'a>(
    heading: &mut Option<PendingHeading<'a>>,
    ready: &mut VecDeque<Event<'a>>,
    emitted: &mut bool,
    e: Event<'a>,
) {
    match heading {
        Some(h) => h.inner.push(e),
        None => {
            *emitted = true;
            ready.push_back(e);
        }
    }
}

/// The text with runs of whitespace made one space, only as far as a snippet of `chars`
/// characters needs (a character is at most four bytes).
fn collapse_whitespace(s: &str, chars: usize) -> String {
    let mut out = String::with_capacity(chars * 2);
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
        if out.len() > 4 * (chars + 1) {
            break;
        }
    }
    out
}

/// What a slot becomes: an href (already relative to the page) and, for wikilinks without
/// custom text, the title to show.
pub struct SlotValue {
    pub href: String,
    pub title: String,
    /// The target is left out of this output: show a label, not a link.
    pub withheld: bool,
}

/// Replaces slots in `html` with escaped values.
pub fn fill_slots(html: &str, value: impl Fn(usize) -> SlotValue) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    // A link to a withheld document becomes a plain label: its `</a>` must become `</span>`.
    let mut close_span = false;
    let copy = |out: &mut String, chunk: &str, close_span: &mut bool| {
        if *close_span {
            if let Some(p) = chunk.find("</a>") {
                out.push_str(&chunk[..p]);
                out.push_str("</span>");
                out.push_str(&chunk[p + 4..]);
                *close_span = false;
                return;
            }
        }
        out.push_str(chunk);
    };
    loop {
        let href = rest.find(HREF_SLOT);
        let text = rest.find(TEXT_OPEN);
        let (pos, is_href) = match (href, text) {
            (Some(h), Some(t)) if h < t => (h, true),
            (Some(h), None) => (h, true),
            (_, Some(t)) => (t, false),
            (None, None) => break,
        };
        // An href slot is ours only as the value of an `href` or `src` attribute; the same
        // letters in text are the author's and stay as written.
        if is_href && !(rest[..pos].ends_with("href=\"") || rest[..pos].ends_with("src=\"")) {
            let end = pos + HREF_SLOT.len();
            copy(&mut out, &rest[..end], &mut close_span);
            rest = &rest[end..];
            continue;
        }
        copy(&mut out, &rest[..pos], &mut close_span);
        let (after, close) = if is_href {
            (&rest[pos + HREF_SLOT.len()..], '/')
        } else {
            (&rest[pos + TEXT_OPEN.len_utf8()..], CLOSE)
        };
        let Some(end) = after.find(close) else {
            rest = after;
            continue;
        };
        let n: usize = after[..end].parse().unwrap_or(usize::MAX);
        let v = value(n);
        if is_href && v.withheld && out.ends_with("<a href=\"") {
            out.truncate(out.len() - "<a href=\"".len());
            out.push_str("<span class=\"withheld\" title=\"withheld from this bundle\" data-withheld=\"");
            close_span = true;
        } else {
            escape_into(&mut out, if is_href { &v.href } else { &v.title });
        }
        rest = &after[end + close.len_utf8()..];
    }
    copy(&mut out, rest, &mut close_span);
    out
}

fn escape_into(out: &mut String, s: &str) {
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(out, s);
}

/// How a reference was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKind {
    /// `[[ID]]`, `[[ID|text]]`, `[[A.6.2.4]]`, `[[6.1.2]]`, `[[ID#anchor]]`.
    Wiki { target: String, has_text: bool },
    /// `[text](../path/file.md#anchor)` or `![img](../assets/x.png)`: a path relative to the file.
    /// `joined` is the path from the repository root (filled in when the file is read, so that
    /// re-resolving the graph does not redo it), `None` when it climbs out of the repository.
    Path {
        path: String,
        fragment: Option<String>,
        joined: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyRef {
    pub kind: RefKind,
    /// Absolute position in the source file (1-based).
    pub line: usize,
    pub column: usize,
    /// Length of the written reference, for underlining.
    pub len: usize,
}

/// Whether a link target is external (a URL scheme, mail, or a page-local anchor).
pub fn is_external(dest: &str) -> bool {
    if dest.starts_with('#') || dest.starts_with("//") {
        return true;
    }
    match dest.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

#[cfg(test)]
mod external_tests {
    use super::*;

    #[test]
    fn externals() {
        assert!(is_external("https://example.org"));
        assert!(is_external("mailto:a@b"));
        assert!(is_external("#top"));
        assert!(!is_external("../a.md"));
        assert!(!is_external("C:x"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_excerpt_is_the_text_without_the_repeated_title_and_with_words_apart() {
        let c = compile(
            "# My policy\n\n## Scope\nAll   staff.\n\n- one\n- two\n",
            1,
            Some("My policy"),
            true,
        );
        assert_eq!(c.excerpt, "Scope All staff. one two");
        assert!(!c.text.split(' ').any(|t| t == "scopeall" || t == "my"), "{}", c.text);
        let long = "word ".repeat(400);
        let c = compile(&long, 1, None, true);
        assert!(c.excerpt.chars().count() <= EXCERPT_CHARS + 1, "{}", c.excerpt.len());
        assert!(c.excerpt.ends_with('…'));
    }

    #[test]
    fn wikilinks_become_slots_with_positions() {
        let body = "Intro\n\nSee [[POL-001]] and [[A.6.2.4|the V&V control]].\n";
        let c = compile(body, 10, None, true);
        assert_eq!(c.refs.len(), 2);
        assert_eq!(
            c.refs[0].kind,
            RefKind::Wiki {
                target: "POL-001".into(),
                has_text: false
            }
        );
        assert_eq!((c.refs[0].line, c.refs[0].column), (12, 5));
        assert_eq!(
            c.refs[1].kind,
            RefKind::Wiki {
                target: "A.6.2.4".into(),
                has_text: true
            }
        );
        let html = fill_slots(&c.html, |n| SlotValue {
            href: format!("h{n}.html"),
            title: "AI <Policy>".into(),
            withheld: false,
        });
        assert!(html.contains(r#"<a href="h0.html">AI &lt;Policy&gt;</a>"#), "{html}");
        assert!(html.contains(r#"<a href="h1.html">the V&amp;V control</a>"#), "{html}");
        let c = compile("[[A]] [[B]] [[C]] [[D]]\n", 1, None, true);
        let html = fill_slots(&c.html, |n| SlotValue {
            href: format!("h{n}.html"),
            title: format!("T{n}"),
            withheld: n == 2,
        });
        assert!(
            html.contains(r#"<span class="withheld" title="withheld from this bundle" data-withheld="">T2</span>"#),
            "{html}"
        );
        assert!(html.contains(r#"<a href="h3.html">T3</a>"#), "{html}");
    }

    #[test]
    fn relative_links_and_images_are_refs_externals_are_not() {
        let body = "[a](../p/a.md#scope) [b](https://x.org) ![i](../assets/d.png) [c](#local)\n";
        let c = compile(body, 1, None, true);
        assert_eq!(c.refs.len(), 2);
        assert_eq!(
            c.refs[0].kind,
            RefKind::Path {
                path: "../p/a.md".into(),
                fragment: Some("scope".into()),
                joined: None
            }
        );
        assert!(c.html.contains("https://x.org"));
        assert!(c.html.contains("href=\"#local\""));
    }

    #[test]
    fn our_slot_scheme_cannot_be_forged() {
        let fill = |c: &CompiledBody| {
            fill_slots(&c.html, |_| SlotValue {
                href: "SECRET.html".into(),
                title: "Secret".into(),
                withheld: false,
            })
        };
        for body in [
            "[x](aimsbook:slot/0/)\n",
            "[x](AIMSBOOK:slot/0/)\n",
            "<a href=\"aimsbook:slot/0/\">x</a>\n",
            "Text that says aimsbook:slot/0/ in words.\n",
            "`aimsbook:slot/0/`\n",
        ] {
            let c = compile(body, 1, None, true);
            assert!(c.refs.is_empty(), "{body}");
            assert!(!fill(&c).contains("SECRET"), "{body} → {}", fill(&c));
        }
        // Ours still work beside forged ones.
        let c = compile("[[POL-1]] and aimsbook:slot/0/\n", 1, None, true);
        let html = fill(&c);
        assert!(
            html.contains(r#"href="SECRET.html""#) && html.contains("and aimsbook:slot/0/"),
            "{html}"
        );
    }

    /// Every payload of the hostile review, written the ways authors could write it.
    const PAYLOADS: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "[[POL-1|<script>alert(1)</script>]]",
        "[a](javascript:alert(1))",
        "[a](JaVaScRiPt:alert(1))",
        "[a](&#106;avascript:alert(1))",
        "[a][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "[a](vbscript:msgbox(1))",
        "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![i](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "<base href=\"https://evil.example/\">",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<svg><script>alert(1)</script></svg>",
        "<object data=\"x.swf\"></object>",
        "<form action=\"https://evil.example\"><input name=x></form>",
        "<div style=\"background:url(https://evil.example/x)\">x</div>",
        "<details open ontoggle=alert(1)><summary>s</summary>x</details>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<link rel=stylesheet href=\"https://evil.example/x.css\">",
        "<style>body{background:url(https://evil.example/x)}</style>",
    ];

    #[test]
    fn hostile_bodies_lose_everything_that_runs_or_loads() {
        for p in PAYLOADS {
            let c = compile(&format!("Intro\n\n{p}\n"), 1, None, true);
            // Markup only: what shows as text (escaped) cannot run.
            let mut html = String::new();
            let mut in_tag = false;
            for ch in c.html.to_ascii_lowercase().chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ => {}
                }
                if in_tag || ch == '>' {
                    html.push(ch);
                }
            }
            for bad in [
                "<script",
                "onerror",
                "onload",
                "ontoggle",
                "javascript:",
                "vbscript:",
                "data:",
                "<iframe",
                "<base",
                "<object",
                "<form",
                "<meta",
                "<link",
                "<style",
                "style=",
                "evil.example/x",
            ] {
                assert!(!html.contains(bad), "{p:?} left {bad:?} in {html}");
            }
        }
    }

    #[test]
    fn a_handbooks_own_html_survives_the_sanitizer() {
        let body = "<details><summary>More</summary>\n\nHidden *text*.\n\n</details>\n\nPress <kbd>Ctrl</kbd>, x<sup>2</sup>, H<sub>2</sub>O, <abbr title=\"AI management system\">AIMS</abbr>.<br>\n\n| a | b |\n|:-:|--|\n| 1 | 2 |\n\n<img src=\"https://example.org/x.png\" alt=\"x\"> [[POL-1]] [site](https://example.org) [mail](mailto:a@b.c) [top](#top)\n\n## Heading {#mine}\n";
        let c = compile(body, 1, None, true);
        for kept in [
            "<details>",
            "<summary>More</summary>",
            "<em>text</em>",
            "<kbd>Ctrl</kbd>",
            "<sup>2</sup>",
            "<sub>2</sub>",
            r#"<abbr title="AI management system">"#,
            "<br>",
            r#"style="text-align: center""#,
            r#"src="https://example.org/x.png""#,
            r#"href="https://example.org""#,
            r#"href="mailto:a@b.c""#,
            r##"href="#top""##,
            r#"id="mine""#,
            "aimsbook:slot/0/",
        ] {
            assert!(c.html.contains(kept), "{kept} kept in {}", c.html);
        }
        assert!(
            c.html.contains(TEXT_OPEN) && c.html.contains(CLOSE),
            "text slots survive: {}",
            c.html
        );
    }

    #[test]
    fn headings_get_unique_ids() {
        let c = compile(
            "# Scope\n\n## Scope\n\n## Roles & duties\n\n## Custom {#mine}\n",
            1,
            None,
            true,
        );
        assert_eq!(c.anchors, vec!["scope", "scope-1", "roles--duties", "mine"]);
        assert!(c.html.contains(r#"<h2 id="scope-1">Scope</h2>"#), "{}", c.html);
    }

    #[test]
    fn slugs_lower_case_letters_of_any_script() {
        assert_eq!(slugify(" Über Zürich — A.6 Policy_x "), "über-zürich--a6-policy_x");
        assert_eq!(slugify("ΑΒΓ 2-Step"), "αβγ-2-step");
    }

    #[test]
    fn a_leading_title_heading_is_dropped() {
        let c = compile("# AI Policy\n\nText\n\n# AI Policy\n", 1, Some("AI policy"), true);
        assert_eq!(c.html.matches("<h1").count(), 1, "{}", c.html);
        assert_eq!(c.anchors, vec!["ai-policy"]);
        // Checking (no HTML) sees the same anchors as building.
        let checked = compile("# AI Policy\n\nText\n\n# AI Policy\n", 1, Some("AI policy"), false);
        assert_eq!(checked.anchors, c.anchors);
    }

    #[test]
    fn positions_are_right_after_lines_without_references() {
        let body = "no refs\n\nstill none\n\n  see [[A]] and\n[b](b.md) then [[C]]\n";
        let c = compile(body, 10, None, true);
        let at: Vec<(usize, usize)> = c.refs.iter().map(|r| (r.line, r.column)).collect();
        assert_eq!(at, vec![(14, 7), (15, 1), (15, 16)]);
    }

    #[test]
    fn code_is_not_a_reference() {
        let c = compile("`[[NOPE]]`\n\n```\n[[NOPE]]\n```\n", 1, None, true);
        assert!(c.refs.is_empty());
    }
}
