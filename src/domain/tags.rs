//! Danbooru tags for prompt completion: the tag file (built by
//! `scripts/build-tags.py`), finding the tags that match what is being
//! typed, and putting the chosen one into the prompt as AUTOMATIC1111
//! expects it.
//!
//! The file has one tag a line, most used first:
//! `name<TAB>category<TAB>count<TAB>alias,alias<TAB>中文,中文`.
//! Because it is ordered by use, a scan in file order meets matches
//! already ranked, and stops once it has enough.

use std::ops::Range;

/// Danbooru's tag categories (the digit in the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    General,
    Artist,
    Copyright,
    Character,
    Meta,
}

impl Category {
    fn from_digit(d: &str) -> Option<Category> {
        Some(match d {
            "0" => Category::General,
            "1" => Category::Artist,
            "3" => Category::Copyright,
            "4" => Category::Character,
            "5" => Category::Meta,
            _ => return None,
        })
    }
}

/// Why a tag file was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagsError {
    /// Not one line had the five fields of a tag.
    NoTags,
}

/// One tag, as ranges into the file's text (one allocation for 30,000
/// tags instead of 90,000).
struct Entry {
    name: Range<u32>,
    aliases: Range<u32>,
    zh: Range<u32>,
    count: u32,
    category: Category,
    /// Which first bytes, and which first two bytes, the words of the
    /// name and the aliases start with (hashed into 64 bits): a keystroke
    /// looks closely only at the few tags whose words could match.
    firsts: u64,
    pairs: u64,
}

fn first_bit(a: u8) -> u64 {
    1 << (a % 64)
}

fn pair_bit(a: u8, b: u8) -> u64 {
    1 << ((u32::from(a) * 37 + u32::from(b)) % 64)
}

impl Entry {
    /// Whether some word of the name, or some alias, can start with `q`.
    fn may_start(&self, q: &[u8]) -> bool {
        match q {
            [a] => self.firsts & first_bit(*a) != 0,
            [a, b, ..] => self.pairs & pair_bit(*a, *b) != 0,
            [] => false,
        }
    }
}

/// The tags of one file, in order of use.
pub struct TagIndex {
    text: String,
    entries: Vec<Entry>,
    /// The tags with a Chinese name or a non-ASCII alias, in order of use:
    /// all that Chinese (or other non-ASCII) typing can find.
    non_ascii: Vec<u32>,
}

/// How a suggestion matched what was typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Name,
    /// Another name of the tag (`longhair` for `long_hair`).
    Alias(String),
    /// Its Chinese name (`长发` for `long_hair`).
    Chinese(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The tag as Danbooru writes it (`long_hair`).
    pub name: String,
    pub category: Category,
    pub count: u32,
    pub via: Via,
}

impl Suggestion {
    /// What goes into the prompt: [`prompt_form`] of the name.
    pub fn text(&self) -> String {
        prompt_form(&self.name)
    }
}

impl TagIndex {
    /// Reads a tag file. Lines that are not tags (a truncated last line,
    /// a category we do not know) are skipped, not fatal.
    pub fn parse(text: String) -> Result<TagIndex, TagsError> {
        let mut reader = TagReader::new(text);
        while !reader.read(usize::MAX) {}
        reader.finish()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn slice(&self, r: &Range<u32>) -> &str {
        &self.text[r.start as usize..r.end as usize]
    }

    /// The `limit` most used tags matching `typed`: a name that starts
    /// with it, or one of its words that does (`hair` finds `long_hair`),
    /// an alias that starts with it, or a Chinese name that contains it.
    /// A tag named exactly what was typed comes first.
    pub fn suggest(&self, typed: &str, limit: usize) -> Vec<Suggestion> {
        let query = normalise(typed);
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let ascii = query.is_ascii();
        let q = query.as_bytes();
        let mut out = Vec::with_capacity(limit);
        let mut exact_seen = false;
        let mut look = |e: &Entry, out: &mut Vec<Suggestion>| {
            let name = self.slice(&e.name);
            // Names are ASCII: Chinese typed can only be a Chinese name
            // (or one of the few non-ASCII aliases).
            let via = if ascii && starts_word(name, &query) {
                exact_seen |= name == query;
                Some(Via::Name)
            } else if let Some(a) = self
                .slice(&e.aliases)
                .split(',')
                .find(|a| a.starts_with(query.as_str()))
            {
                Some(Via::Alias(a.to_string()))
            } else if !ascii {
                self.slice(&e.zh)
                    .split(',')
                    .find(|z| !z.is_empty() && z.contains(query.as_str()))
                    .map(|z| Via::Chinese(z.to_string()))
            } else {
                None
            };
            if let Some(via) = via {
                out.push(self.suggestion(e, via));
            }
            out.len() == limit
        };
        if ascii {
            for e in self.entries.iter().filter(|e| e.may_start(q)) {
                if look(e, &mut out) {
                    break;
                }
            }
        } else {
            for &i in &self.non_ascii {
                if look(&self.entries[i as usize], &mut out) {
                    break;
                }
            }
        }
        // A tag named exactly what was typed comes first, even when it is
        // used too little to be among the first `limit`.
        match out.iter().position(|s| s.name == query) {
            Some(pos) => {
                let s = out.remove(pos);
                out.insert(0, s);
            }
            None if !exact_seen => {
                if let Some(e) = self
                    .entries
                    .iter()
                    .find(|e| e.may_start(q) && self.slice(&e.name) == query)
                {
                    out.truncate(limit - 1);
                    out.insert(0, self.suggestion(e, Via::Name));
                }
            }
            None => {}
        }
        out
    }

    fn suggestion(&self, e: &Entry, via: Via) -> Suggestion {
        Suggestion {
            name: self.slice(&e.name).to_string(),
            category: e.category,
            count: e.count,
            via,
        }
    }
}

/// Reads a tag file a few thousand lines at a time: the app reads the
/// 30,000-line list between other work, since in one piece it held a
/// phone's main thread for over 100 ms (at 4x CPU slowdown).
pub struct TagReader {
    text: String,
    at: usize,
    entries: Vec<Entry>,
    non_ascii: Vec<u32>,
}

impl TagReader {
    pub fn new(text: String) -> TagReader {
        TagReader {
            entries: Vec::with_capacity(text.len() / 40),
            text,
            at: 0,
            non_ascii: Vec::new(),
        }
    }

    /// Reads up to `lines` more lines; true once the whole text is read.
    pub fn read(&mut self, lines: usize) -> bool {
        for _ in 0..lines {
            if self.at > self.text.len() {
                break;
            }
            let start = self.at;
            let len = self.text[start..]
                .find('\n')
                .unwrap_or(self.text.len() - start);
            self.at += len + 1;
            let Some(mut entry) = parse_line(&self.text[start..start + len], start) else {
                continue;
            };
            let slice = |r: &Range<u32>| &self.text[r.start as usize..r.end as usize];
            let name = slice(&entry.name).as_bytes();
            let aliases = slice(&entry.aliases);
            let mut mark = |w: &[u8]| {
                if let Some(&a) = w.first() {
                    entry.firsts |= first_bit(a);
                    entry.pairs |= pair_bit(a, w.get(1).copied().unwrap_or(0));
                }
            };
            mark(name);
            for (p, _) in name.iter().enumerate().filter(|(_, b)| **b == b'_') {
                mark(&name[p + 1..]);
            }
            for a in aliases.split(',') {
                mark(a.as_bytes());
            }
            if entry.zh.start != entry.zh.end || !aliases.is_ascii() {
                self.non_ascii.push(self.entries.len() as u32);
            }
            self.entries.push(entry);
        }
        self.at > self.text.len()
    }

    pub fn finish(self) -> Result<TagIndex, TagsError> {
        if self.entries.is_empty() {
            return Err(TagsError::NoTags);
        }
        Ok(TagIndex {
            text: self.text,
            entries: self.entries,
            non_ascii: self.non_ascii,
        })
    }
}

fn parse_line(line: &str, start: usize) -> Option<Entry> {
    let mut fields = line.split('\t');
    let name = fields.next().filter(|n| !n.is_empty())?;
    let category = Category::from_digit(fields.next()?)?;
    let count = fields.next()?.parse().ok()?;
    let aliases = fields.next()?;
    let zh = fields.next()?;
    let at = |s: &str| {
        let from = s.as_ptr() as usize - line.as_ptr() as usize + start;
        from as u32..(from + s.len()) as u32
    };
    Some(Entry {
        name: at(name),
        aliases: at(aliases),
        zh: at(zh),
        count,
        category,
        firsts: 0,
        pairs: 0,
    })
}

/// What was typed, in the file's form: lower case (ASCII: the tags are,
/// and Chinese has none), words joined by `_`,
/// AUTOMATIC1111's escapes undone.
fn normalise(typed: &str) -> String {
    let t = typed.trim().replace("\\(", "(").replace("\\)", ")");
    let mut out = String::with_capacity(t.len());
    let mut space = false;
    for c in t.chars() {
        if c.is_whitespace() || c == '_' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push('_');
        }
        space = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `name` starts with `query`, or one of its `_`-separated words does.
fn starts_word(name: &str, query: &str) -> bool {
    if name.starts_with(query) {
        return true;
    }
    let bytes = name.as_bytes();
    let mut from = 0;
    while let Some(p) = name[from..].find('_') {
        let next = from + p + 1;
        if bytes.len() - next < query.len() {
            return false;
        }
        if name[next..].starts_with(query) {
            return true;
        }
        from = next;
    }
    false
}

/// A tag as AUTOMATIC1111 reads it in a prompt: words apart
/// (`long hair`), parentheses escaped (`\(cosplay\)`) so they are not
/// taken as emphasis. Faces such as `^_^` and `o_o` keep their `_`.
pub fn prompt_form(name: &str) -> String {
    // Letters and digits; any non-ASCII character counts as one.
    let is_word = |c: char| c.is_ascii_alphanumeric() || !c.is_ascii();
    let has_word = name
        .chars()
        .zip(name.chars().skip(1))
        .any(|(a, b)| is_word(a) && is_word(b));
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        match c {
            '_' if has_word => out.push(' '),
            '(' => out.push_str("\\("),
            ')' => out.push_str("\\)"),
            c => out.push(c),
        }
    }
    out
}

/// A post count in a few characters: `999`, `12k`, `1.2M` (integer
/// arithmetic: no float formatting in the wasm).
pub fn short_count(n: u32) -> String {
    /// `tenths` of a unit, with one decimal unless it is `.0`.
    fn tenths(t: u32, suffix: char) -> String {
        if t.is_multiple_of(10) {
            format!("{}{suffix}", t / 10)
        } else {
            format!("{}.{}{suffix}", t / 10, t % 10)
        }
    }
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => tenths((n + 50) / 100, 'k'),
        10_000..=999_499 => format!("{}k", (n + 500) / 1_000),
        999_500..=9_949_999 => tenths((n + 50_000) / 100_000, 'M'),
        _ => format!("{}M", (n + 500_000) / 1_000_000),
    }
}

/// Characters that end a tag in a prompt: commas (also the Chinese ones),
/// line ends, and the brackets of emphasis and LoRA tags.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ',' | '，' | '、' | '\n' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | '|' | ':'
    )
}

/// The tag being typed: from the last separator before the cursor (less
/// leading spaces) to the next separator after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Byte range of the tag in the text.
    pub range: Range<usize>,
    /// What is typed of it: from its start to the cursor.
    pub typed: String,
}

/// The word at `cursor` (a byte offset), if there is one to complete.
/// Nothing inside a LoRA tag (`<lora:…>`), after an emphasis weight's
/// colon, or for a word ending in a backslash (an escape being typed).
pub fn word_at(text: &str, cursor: usize) -> Option<Word> {
    if cursor > text.len() || !text.is_char_boundary(cursor) {
        return None;
    }
    let before = &text[..cursor];
    let (start, opened_by) = match before.char_indices().rev().find(|(_, c)| {
        // An escaped parenthesis belongs to the tag (`\(cosplay\)`).
        is_separator(*c)
    }) {
        Some((i, c)) => (i + c.len_utf8(), Some(c)),
        None => (0, None),
    };
    // `\(` is part of a tag: look past escaped brackets.
    let start = escaped_start(text, start, opened_by);
    if matches!(opened_by, Some('<' | ':')) {
        return None;
    }
    let lead = text[start..cursor].len() - text[start..cursor].trim_start().len();
    let start = start + lead;
    let after = &text[cursor..];
    let end = cursor
        + after
            .char_indices()
            .find(|(i, c)| is_separator(*c) && !escaped(text, cursor + i))
            .map_or(after.len(), |(i, _)| i);
    let typed = &text[start..cursor];
    if typed.trim().is_empty() || typed.ends_with('\\') {
        return None;
    }
    let end = start + text[start..end].trim_end().len();
    Some(Word {
        range: start..end.max(cursor),
        typed: typed.to_string(),
    })
}

fn escaped(text: &str, at: usize) -> bool {
    text[..at].ends_with('\\')
}

/// The start of the word that `start` would begin, moved back past
/// escaped brackets (`hatsune miku \(cos`).
fn escaped_start(text: &str, mut start: usize, mut opened_by: Option<char>) -> usize {
    while let Some(c) = opened_by {
        let sep_at = start - c.len_utf8();
        if !escaped(text, sep_at) {
            break;
        }
        match text[..sep_at - 1]
            .char_indices()
            .rev()
            .find(|(i, c)| is_separator(*c) && !escaped(text, *i))
        {
            Some((i, c)) => {
                start = i + c.len_utf8();
                opened_by = Some(c);
            }
            None => return 0,
        }
    }
    start
}

/// The text with `word` replaced by the tag, and where the cursor goes:
/// after the tag and the `, ` that ends it (reusing a comma already
/// there). Inside brackets (`(smi` → `(smile`) no comma is added.
pub fn complete(text: &str, word: &Word, tag_text: &str) -> (String, usize) {
    let head = &text[..word.range.start];
    let tail = &text[word.range.end..];
    let in_brackets = head
        .trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| matches!(c, '(' | '[' | '{'));
    let mut out = String::with_capacity(text.len() + tag_text.len() + 2);
    out.push_str(head);
    out.push_str(tag_text);
    let cursor;
    if in_brackets {
        cursor = out.len();
    } else if let Some(rest) = tail.strip_prefix(',') {
        out.push(',');
        if !rest.starts_with(' ') {
            out.push(' ');
        }
        cursor = out.len() + usize::from(rest.starts_with(' '));
        out.push_str(rest);
        return (out, cursor);
    } else if tail.is_empty() || tail.starts_with('\n') {
        out.push_str(", ");
        cursor = out.len();
    } else {
        cursor = out.len();
    }
    out.push_str(tail);
    (out, cursor)
}

/// A UTF-16 offset (what a textarea's selection gives) as a byte offset
/// into `text`; past the end is the end.
pub fn byte_offset(text: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

/// A byte offset into `text` as a UTF-16 offset, for a textarea.
pub fn utf16_offset(text: &str, byte: usize) -> u32 {
    text[..byte.min(text.len())]
        .chars()
        .map(|c| c.len_utf16() as u32)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "1girl\t0\t6000000\t1girls,sole_female\t1个女孩,一个女孩\n\
        solo\t0\t5000000\t\t单人\n\
        long_hair\t0\t4000000\tlonghair,long-hair\t长发\n\
        smile\t0\t3000000\tsmiling\t微笑,笑\n\
        hatsune_miku\t4\t150000\tmiku,miku_hatsune\t初音未来\n\
        twintails\t0\t900000\ttwin_tails,twintail\t双马尾\n\
        hair_ornament\t0\t800000\t\t发饰\n\
        long\t5\t10\t\t\n\
        ^_^\t0\t5000\t\t\n\
        hatsune_miku_(cosplay)\t4\t4000\t\t\n\
        bad\tline\n\
        ignored\t9\t1\t\t\n";

    fn index() -> TagIndex {
        TagIndex::parse(FILE.to_string()).unwrap()
    }

    fn names(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn read_a_few_lines_at_a_time_it_finds_what_it_finds_in_one_go() {
        let whole = index();
        for step in [1, 2, 3, 7] {
            let mut reader = TagReader::new(FILE.to_string());
            let mut calls = 1;
            while !reader.read(step) {
                calls += 1;
            }
            let stepped = reader.finish().unwrap();
            // The file's 12 lines and the empty one after its last newline,
            // `step` a call.
            assert_eq!(calls, 13usize.div_ceil(step), "{step}");
            assert_eq!(stepped.len(), whole.len());
            for typed in ["l", "lo", "hair", "miku", "长", "发", "smil", "^"] {
                assert_eq!(
                    stepped.suggest(typed, 10),
                    whole.suggest(typed, 10),
                    "{typed}"
                );
            }
        }
        let mut empty = TagReader::new(String::new());
        assert!(empty.read(5));
        assert!(matches!(empty.finish(), Err(TagsError::NoTags)));
    }

    #[test]
    fn reads_the_file_and_skips_what_is_not_a_tag() {
        let i = index();
        assert_eq!(i.len(), 10);
        assert!(matches!(
            TagIndex::parse("nothing here\n".into()),
            Err(TagsError::NoTags)
        ));
    }

    #[test]
    fn ranks_by_use_with_an_exact_name_first() {
        let i = index();
        assert_eq!(names(&i.suggest("lo", 5)), ["long_hair", "long"]);
        // `long` is an exact name, used far less than long_hair: first anyway.
        assert_eq!(names(&i.suggest("long", 5)), ["long", "long_hair"]);
        assert_eq!(names(&i.suggest("long", 1)), ["long"]);
        // Words inside a name, and spaces for underscores.
        assert_eq!(names(&i.suggest("hair", 5)), ["long_hair", "hair_ornament"]);
        assert_eq!(names(&i.suggest("Long Ha", 5)), ["long_hair"]);
        assert_eq!(i.suggest("long hair", 5)[0].via, Via::Name);
        assert_eq!(i.suggest("hair", 1).len(), 1);
        assert!(i.suggest("", 5).is_empty());
        assert!(i.suggest("zzz", 5).is_empty());
    }

    #[test]
    fn finds_aliases() {
        let i = index();
        let s = i.suggest("longhair", 5);
        assert_eq!(names(&s), ["long_hair"]);
        assert_eq!(s[0].via, Via::Alias("longhair".into()));
        assert_eq!(
            names(&i.suggest("miku", 5)),
            ["hatsune_miku", "hatsune_miku_(cosplay)"]
        );
    }

    #[test]
    fn finds_chinese_names() {
        let i = index();
        for (typed, tag) in [
            ("长发", "long_hair"),
            ("微笑", "smile"),
            ("双马尾", "twintails"),
        ] {
            let s = i.suggest(typed, 5);
            assert_eq!(s[0].name, tag, "{typed}");
            assert_eq!(s[0].via, Via::Chinese(typed.into()));
        }
        // A part of a Chinese name, ranked by use.
        assert_eq!(names(&i.suggest("笑", 5)), ["smile"]);
        assert_eq!(names(&i.suggest("马尾", 5)), ["twintails"]);
        assert_eq!(names(&i.suggest("初音", 5)), ["hatsune_miku"]);
        assert_eq!(i.suggest("女孩", 5)[0].via, Via::Chinese("1个女孩".into()));
    }

    #[test]
    fn escaped_parentheses_are_typed_as_in_the_prompt() {
        let i = index();
        assert_eq!(
            names(&i.suggest("hatsune miku \\(cos", 5)),
            ["hatsune_miku_(cosplay)"]
        );
    }

    #[test]
    fn prompt_form_spaces_words_and_escapes_brackets() {
        assert_eq!(prompt_form("long_hair"), "long hair");
        assert_eq!(
            prompt_form("hatsune_miku_(cosplay)"),
            "hatsune miku \\(cosplay\\)"
        );
        assert_eq!(prompt_form("^_^"), "^_^");
        assert_eq!(prompt_form("o_o"), "o_o");
        assert_eq!(prompt_form("1girl"), "1girl");
        assert_eq!(prompt_form(":d"), ":d");
    }

    #[test]
    fn counts_are_short() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1k"),
            (1_250, "1.3k"),
            (12_345, "12k"),
            (999_499, "999k"),
            (999_999, "1M"),
            (1_234_567, "1.2M"),
            (6_000_000, "6M"),
            (12_600_000, "13M"),
        ] {
            assert_eq!(short_count(n), s, "{n}");
        }
    }

    fn word(text: &str, cursor: usize) -> Option<(String, String)> {
        word_at(text, cursor).map(|w| (text[w.range].to_string(), w.typed))
    }

    #[test]
    fn the_word_is_the_text_since_the_last_separator() {
        let w = |t: &str| word(t, t.len());
        assert_eq!(w("lon"), Some(("lon".into(), "lon".into())));
        assert_eq!(w("1girl, lon"), Some(("lon".into(), "lon".into())));
        assert_eq!(w("1girl,lon"), Some(("lon".into(), "lon".into())));
        assert_eq!(w("1girl，长"), Some(("长".into(), "长".into())));
        assert_eq!(w("1girl\nsmi"), Some(("smi".into(), "smi".into())));
        assert_eq!(w("(smi"), Some(("smi".into(), "smi".into())));
        assert_eq!(w("long ha"), Some(("long ha".into(), "long ha".into())));
        assert_eq!(w("1girl, "), None);
        assert_eq!(w(""), None);
        assert_eq!(w("<lora:boc"), None);
        assert_eq!(w("(smile:1."), None);
        assert_eq!(w("hatsune miku \\"), None);
        assert_eq!(
            w("1girl, hatsune miku \\(cos"),
            Some(("hatsune miku \\(cos".into(), "hatsune miku \\(cos".into()))
        );
        // In the middle: the whole tag is replaced, what is typed is up to the cursor.
        let t = "1girl, lonxx hair, smile";
        assert_eq!(word(t, 10), Some(("lonxx hair".into(), "lon".into())));
        // Not on a character boundary, or past the end.
        assert_eq!(word("长", 1), None);
        assert_eq!(word("a", 2), None);
    }

    #[test]
    fn completing_puts_the_tag_and_a_comma() {
        let done = |t: &str, cursor: usize, tag: &str| {
            let w = word_at(t, cursor).unwrap();
            complete(t, &w, tag)
        };
        assert_eq!(
            done("1girl, lon", 10, "long hair"),
            ("1girl, long hair, ".into(), 18)
        );
        assert_eq!(done("lon", 3, "long hair"), ("long hair, ".into(), 11));
        // A comma already there is reused; the cursor goes past it.
        let (t, c) = done("lon, smile", 3, "long hair");
        assert_eq!(t, "long hair, smile");
        assert_eq!(&t[c..], "smile");
        let (t, c) = done("lon,smile", 3, "long hair");
        assert_eq!(t, "long hair, smile");
        assert_eq!(&t[c..], "smile");
        // Inside brackets: no comma, the weight comes next.
        assert_eq!(done("(smi", 4, "smile"), ("(smile".into(), 6));
        // Chinese typed: replaced by the tag.
        assert_eq!(
            done("1girl, 长发", 13, "long hair"),
            ("1girl, long hair, ".into(), 18)
        );
        // A line after: the comma goes before it.
        assert_eq!(
            done("lon\nsmile", 3, "long hair"),
            ("long hair, \nsmile".into(), 11)
        );
    }

    /// The real list (assets/tags.txt, built by scripts/build-tags.py).
    #[test]
    fn the_shipped_tag_list_finds_what_people_type() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/tags.txt");
        let i = TagIndex::parse(std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(i.len(), 30_000, "every line of the file is a tag");
        for (typed, first) in [
            ("long ha", "long_hair"),
            ("longhair", "long_hair"),
            ("smi", "smile"),
            ("长发", "long_hair"),
            ("微笑", "smile"),
            ("双马尾", "twintails"),
            ("初音", "hatsune_miku"),
            ("1g", "1girl"),
        ] {
            let s = i.suggest(typed, 8);
            assert_eq!(
                s.first().map(|s| s.name.as_str()),
                Some(first),
                "{typed}: {s:?}"
            );
        }
        // Figures, not a timed assertion: the worst case is a query that
        // matches nothing and so scans the whole list.
        let queries = [
            "a",
            "long ha",
            "longhai",
            "长发",
            "zzzz",
            "hatsune miku \\(cos",
        ];
        let start = std::time::Instant::now();
        for _ in 0..100 {
            for q in queries {
                std::hint::black_box(i.suggest(q, 8));
            }
        }
        let each = start.elapsed() / (100 * queries.len() as u32);
        eprintln!("native matching: {each:?} per keystroke on average");
    }

    #[test]
    fn utf16_offsets_map_to_bytes_and_back() {
        let t = "1girl，长发😀x";
        for (u, b) in [
            (0, 0),
            (5, 5),
            (6, 8),
            (8, 14),
            (10, 18),
            (11, 19),
            (99, 19),
        ] {
            assert_eq!(byte_offset(t, u), b, "utf16 {u}");
        }
        for (b, u) in [(0, 0), (8, 6), (14, 8), (18, 10), (19, 11)] {
            assert_eq!(utf16_offset(t, b), u, "byte {b}");
        }
    }
}
