//! Emphasis keys as in AUTOMATIC1111: Ctrl+↑/↓ on a selection, or on the
//! tag at the cursor, turns `smile` into `(smile:1.1)`, then `(smile:1.2)`,
//! in steps of 0.1; back at 1.0 the parentheses go. The selection stays on
//! the tag. Weights are kept in thousandths: no float arithmetic, no float
//! formatting.

use std::ops::Range;

/// One press's step: 0.1.
const STEP: u32 = 100;
const ONE: u32 = 1_000;

/// The text after a press, and the selection to keep (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub text: String,
    pub selection: Range<usize>,
}

/// What Ctrl+↑ (`up`) or Ctrl+↓ does to `text` with `selection` (byte
/// offsets; empty for a cursor). `None` when there is nothing to weigh,
/// or the selection's parentheses do not balance (left as it is).
pub fn emphasize(text: &str, selection: Range<usize>, up: bool) -> Option<Edit> {
    if selection.start > selection.end
        || selection.end > text.len()
        || !text.is_char_boundary(selection.start)
        || !text.is_char_boundary(selection.end)
    {
        return None;
    }
    let range = if selection.is_empty() {
        tag_at(text, selection.start)?
    } else {
        trimmed(text, selection)
    };
    if range.is_empty() {
        return None;
    }
    let (inner, weight) = match weighted_group(text, range.clone()) {
        Some(found) => found,
        None => (range.clone(), ONE),
    };
    if !balanced(&text[inner.clone()]) {
        return None;
    }
    let weight = if up {
        weight + STEP
    } else {
        weight.saturating_sub(STEP)
    };
    // What the old group covered: the bare tag, or `(tag:w)`.
    let outer = if inner == range && !is_wrapped(text, &inner) {
        inner.clone()
    } else {
        inner.start - 1..group_end(text, inner.end)?
    };
    let tag = &text[inner.clone()];
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..outer.start]);
    let start;
    if weight == ONE {
        start = out.len();
        out.push_str(tag);
    } else {
        out.push('(');
        start = out.len();
        out.push_str(tag);
        out.push(':');
        out.push_str(&format_weight(weight));
        out.push(')');
    }
    out.push_str(&text[outer.end..]);
    Some(Edit {
        text: out,
        selection: start..start + tag.len(),
    })
}

/// The tag around `cursor`: between the commas or line ends around it,
/// without the spaces at its ends. Inside a weighted group it is the group.
fn tag_at(text: &str, cursor: usize) -> Option<Range<usize>> {
    let start = text[..cursor].rfind([',', '\n', '，']).map_or(0, |i| {
        i + text[i..].chars().next().map_or(1, char::len_utf8)
    });
    let end = text[cursor..]
        .find([',', '\n', '，'])
        .map_or(text.len(), |i| cursor + i);
    let r = trimmed(text, start..end);
    (!r.is_empty()).then_some(r)
}

fn trimmed(text: &str, r: Range<usize>) -> Range<usize> {
    let s = &text[r.clone()];
    let start = r.start + (s.len() - s.trim_start().len());
    let end = r.start + s.trim_end().len();
    start..end.max(start)
}

/// If `r` is a weighted group `(tag:w)`, or the tag inside one, the tag's
/// range and the weight.
fn weighted_group(text: &str, r: Range<usize>) -> Option<(Range<usize>, u32)> {
    let s = &text[r.clone()];
    if s.starts_with('(') && s.ends_with(')') && s.len() >= 2 {
        let body = &s[1..s.len() - 1];
        if let Some(colon) = body.rfind(':') {
            if let Some(w) = parse_weight(&body[colon + 1..]) {
                return Some((r.start + 1..r.start + 1 + colon, w));
            }
        }
    }
    // The tag inside: `(` before it, `:w)` after it.
    if text[..r.start].ends_with('(') {
        let after = &text[r.end..];
        let rest = after.strip_prefix(':')?;
        let close = rest.find(')')?;
        let w = parse_weight(&rest[..close])?;
        return Some((r, w));
    }
    None
}

/// Whether `inner` sits in `(…:w)`.
fn is_wrapped(text: &str, inner: &Range<usize>) -> bool {
    text[..inner.start].ends_with('(') && group_end(text, inner.end).is_some()
}

/// The end of `:w)` starting at `at`.
fn group_end(text: &str, at: usize) -> Option<usize> {
    let rest = text[at..].strip_prefix(':')?;
    let close = rest.find(')')?;
    parse_weight(&rest[..close])?;
    Some(at + 1 + close + 1)
}

/// `1.1` → 1100; at most three decimals; nothing else.
fn parse_weight(s: &str) -> Option<u32> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if (whole.is_empty() && frac.is_empty())
        || frac.len() > 3
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut thousandths = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u32::from(b - b'0') * [100, 10, 1][i];
    }
    whole.checked_mul(ONE)?.checked_add(thousandths)
}

/// 1100 → `1.1`, 1150 → `1.15`, 2000 → `2.0`.
fn format_weight(w: u32) -> String {
    let mut frac = format!("{:03}", w % ONE);
    while frac.len() > 1 && frac.ends_with('0') {
        frac.pop();
    }
    format!("{}.{frac}", w / ONE)
}

/// Parentheses that open and close in order (escaped ones do not count).
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut escaped = false;
    for c in s.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Presses on `text` whose selection is marked `[…]` (or a cursor `|`);
    /// the result with its selection marked the same way.
    fn press(marked: &str, up: bool) -> Option<String> {
        let (text, sel) = if let Some(c) = marked.find('|') {
            (marked.replacen('|', "", 1), c..c)
        } else {
            let s = marked.find('[').unwrap();
            let e = marked.find(']').unwrap() - 1;
            (marked.replacen('[', "", 1).replacen(']', "", 1), s..e)
        };
        emphasize(&text, sel, up).map(|e| {
            format!(
                "{}[{}]{}",
                &e.text[..e.selection.start],
                &e.text[e.selection.clone()],
                &e.text[e.selection.end..]
            )
        })
    }

    #[test]
    fn up_and_down_in_tenths() {
        assert_eq!(
            press("1girl, [smile], solo", true).unwrap(),
            "1girl, ([smile]:1.1), solo"
        );
        assert_eq!(
            press("1girl, ([smile]:1.1), solo", true).unwrap(),
            "1girl, ([smile]:1.2), solo"
        );
        assert_eq!(
            press("1girl, ([smile]:1.2), solo", false).unwrap(),
            "1girl, ([smile]:1.1), solo"
        );
        // Back at 1.0 the parentheses go.
        assert_eq!(
            press("1girl, ([smile]:1.1), solo", false).unwrap(),
            "1girl, [smile], solo"
        );
        assert_eq!(press("[smile]", false).unwrap(), "([smile]:0.9)");
        assert_eq!(press("([smile]:0.9)", true).unwrap(), "[smile]");
        assert_eq!(press("([smile]:1.9)", true).unwrap(), "([smile]:2.0)");
        assert_eq!(press("([smile]:1.15)", true).unwrap(), "([smile]:1.25)");
        assert_eq!(press("([smile]:0.1)", false).unwrap(), "([smile]:0.0)");
        assert_eq!(press("([smile]:0.0)", false).unwrap(), "([smile]:0.0)");
    }

    #[test]
    fn the_tag_at_the_cursor() {
        assert_eq!(
            press("1girl, smi|le, solo", true).unwrap(),
            "1girl, ([smile]:1.1), solo"
        );
        assert_eq!(
            press("1girl, long ha|ir", true).unwrap(),
            "1girl, ([long hair]:1.1)"
        );
        assert_eq!(press("|1girl", true).unwrap(), "([1girl]:1.1)");
        // Inside a group: the group's weight changes.
        assert_eq!(
            press("a, (smi|le:1.3), b", false).unwrap(),
            "a, ([smile]:1.2), b"
        );
        // A selection that takes the whole group.
        assert_eq!(
            press("a, [(smile:1.3)], b", true).unwrap(),
            "a, ([smile]:1.4), b"
        );
        // Spaces around a selection stay outside.
        assert_eq!(
            press("a,[ smile ], b", true).unwrap(),
            "a, ([smile]:1.1) , b"
        );
        assert_eq!(press("1girl, |", true), None);
        assert_eq!(press("|", true), None);
    }

    #[test]
    fn chinese_and_escaped_brackets() {
        assert_eq!(press("笑顔，微|笑", true).unwrap(), "笑顔，([微笑]:1.1)");
        assert_eq!(
            press("[hatsune miku \\(cosplay\\)]", true).unwrap(),
            "([hatsune miku \\(cosplay\\)]:1.1)"
        );
    }

    #[test]
    fn unbalanced_parentheses_are_left_as_they_are() {
        assert_eq!(press("a, [smile)], b", true), None);
        assert_eq!(press("a, [(smile], b", true), None);
        assert_eq!(press("a, smi|le), b", true), None);
    }

    #[test]
    fn selections_past_the_text_do_nothing() {
        assert_eq!(emphasize("abc", 2..9, true), None);
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = 2..1;
        assert_eq!(emphasize("abc", backwards, true), None);
        assert_eq!(emphasize("长", 1..1, true), None);
    }

    #[test]
    fn weights_read_and_write_without_floats() {
        assert_eq!(parse_weight("1.1"), Some(1100));
        assert_eq!(parse_weight(".5"), Some(500));
        assert_eq!(parse_weight("2"), Some(2000));
        assert_eq!(parse_weight("1.125"), Some(1125));
        assert_eq!(parse_weight("1.1234"), None);
        assert_eq!(parse_weight("x"), None);
        assert_eq!(parse_weight(""), None);
        assert_eq!(format_weight(1100), "1.1");
        assert_eq!(format_weight(1150), "1.15");
        assert_eq!(format_weight(2000), "2.0");
        assert_eq!(format_weight(900), "0.9");
    }
}
