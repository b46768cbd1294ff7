//! Styles: a named prompt, negative prompt and parameters, saved to be
//! applied again (replacing the form's) or inserted (added to the prompt).
//! A few come built in; the user's own are exported and imported as a
//! JSON file.

use serde::{Deserialize, Serialize};

use super::params::Draft;

/// The export file's `format` and the `version` this build writes.
pub const FORMAT: &str = "kamiya-studio-styles";
pub const VERSION: u32 = 1;
/// Past these an import is refused as not a styles file we made.
pub const MAX_STYLES: usize = 500;
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
const MAX_NAME_CHARS: usize = 80;
const MAX_TEXT_CHARS: usize = 20_000;

/// The parameters a style can carry (as the form holds them: text).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StyleParams {
    pub model: String,
    pub sampler: String,
    pub size: String,
    pub width: String,
    pub height: String,
    pub steps: String,
    pub cfg: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Style {
    pub name: String,
    pub prompt: String,
    pub negative: String,
    /// `None`: the style is words only and leaves the parameters alone.
    pub params: Option<StyleParams>,
}

/// The ones every user has; they cannot be renamed or deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltIn {
    Quality,
    CommonNegative,
    Soft,
}

impl BuiltIn {
    pub const ALL: [BuiltIn; 3] = [BuiltIn::Quality, BuiltIn::CommonNegative, BuiltIn::Soft];

    pub fn style(self) -> Style {
        let (prompt, negative) = match self {
            BuiltIn::Quality => ("masterpiece, best quality, very aesthetic, absurdres", ""),
            BuiltIn::CommonNegative => (
                "",
                "lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, \
                 fewer digits, cropped, worst quality, low quality, normal quality, \
                 jpeg artifacts, signature, watermark, username, blurry",
            ),
            BuiltIn::Soft => (
                "soft lighting, pastel colors, depth of field, bokeh",
                "harsh lighting, oversaturated",
            ),
        };
        Style {
            name: String::new(),
            prompt: prompt.into(),
            negative: negative.into(),
            params: None,
        }
    }
}

impl Style {
    pub fn named(mut self, name: &str) -> Style {
        self.name = name.to_string();
        self
    }

    /// The form's words and parameters as a style named `name`.
    pub fn from_draft(name: &str, d: &Draft) -> Style {
        Style {
            name: name.trim().to_string(),
            prompt: d.prompts.trim().to_string(),
            negative: d.negative.trim().to_string(),
            params: Some(StyleParams {
                model: d.model.clone(),
                sampler: d.sampler.clone(),
                size: d.size.clone(),
                width: d.width.clone(),
                height: d.height.clone(),
                steps: d.steps.clone(),
                cfg: d.cfg.clone(),
            }),
        }
    }

    /// Apply: the style's words (and parameters, if it has them) replace
    /// the form's.
    pub fn apply(&self, d: &mut Draft) {
        d.prompts = self.prompt.clone();
        d.negative = self.negative.clone();
        if let Some(p) = &self.params {
            d.model = p.model.clone();
            d.sampler = p.sampler.clone();
            d.size = p.size.clone();
            d.width = p.width.clone();
            d.height = p.height.clone();
            d.steps = p.steps.clone();
            d.cfg = p.cfg.clone();
        }
    }

    /// Insert: the style's prompt goes after the form's, and its negative
    /// after the form's negative; the parameters stay.
    pub fn insert(&self, d: &mut Draft) {
        append(&mut d.prompts, &self.prompt);
        append(&mut d.negative, &self.negative);
    }
}

/// `text, addition`, each tag of `addition` only if `text` lacks it.
fn append(text: &mut String, addition: &str) {
    let have: Vec<String> = text
        .split([',', '\n'])
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    let mut new: Vec<&str> = Vec::new();
    for tag in addition.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let lower = tag.to_ascii_lowercase();
        if !have.contains(&lower) && !new.iter().any(|n| n.eq_ignore_ascii_case(&lower)) {
            new.push(tag);
        }
    }
    if new.is_empty() {
        return;
    }
    let kept = text.trim_end().trim_end_matches(',').trim_end().len();
    text.truncate(kept);
    if !text.is_empty() {
        text.push_str(", ");
    }
    text.push_str(&new.join(", "));
}

/// Why a name or a file was refused; nothing changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StyleError {
    EmptyName,
    NameTooLong,
    /// Another style has this name.
    NameTaken(String),
    NotFound,
    /// The file is not JSON, or not a styles file.
    NotStyles,
    /// Made by a newer Kamiya Studio, which may mean something else.
    NewerVersion(u32),
    TooLarge,
    /// One style in the file is not usable: its position (from 1), and why.
    BadStyle(usize, Box<StyleError>),
    TextTooLong,
}

/// What an import did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub replaced: usize,
}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    version: Option<u32>,
}

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    styles: Vec<Style>,
}

/// The user's own styles, in the order they were made.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StyleBook {
    pub styles: Vec<Style>,
}

fn check_name(name: &str) -> Result<String, StyleError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StyleError::EmptyName);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(StyleError::NameTooLong);
    }
    Ok(name.to_string())
}

impl StyleBook {
    pub fn get(&self, name: &str) -> Option<&Style> {
        self.styles.iter().find(|s| s.name == name)
    }

    /// Saves `style`; an existing style of that name is replaced only
    /// when `replace` says so.
    pub fn save(&mut self, mut style: Style, replace: bool) -> Result<(), StyleError> {
        style.name = check_name(&style.name)?;
        check_text(&style)?;
        match self.styles.iter_mut().find(|s| s.name == style.name) {
            Some(_) if !replace => Err(StyleError::NameTaken(style.name)),
            Some(old) => {
                *old = style;
                Ok(())
            }
            None => {
                self.styles.push(style);
                Ok(())
            }
        }
    }

    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), StyleError> {
        let to = check_name(to)?;
        if to != from && self.get(&to).is_some() {
            return Err(StyleError::NameTaken(to));
        }
        let style = self
            .styles
            .iter_mut()
            .find(|s| s.name == from)
            .ok_or(StyleError::NotFound)?;
        style.name = to;
        Ok(())
    }

    pub fn delete(&mut self, name: &str) -> Result<Style, StyleError> {
        let at = self
            .styles
            .iter()
            .position(|s| s.name == name)
            .ok_or(StyleError::NotFound)?;
        Ok(self.styles.remove(at))
    }

    /// The export file.
    pub fn export(&self) -> String {
        crate::json::to_string(&File {
            format: FORMAT.into(),
            version: VERSION,
            styles: self.styles.clone(),
        })
        .unwrap_or_default()
    }

    /// Takes the styles of an export file: new names are added, existing
    /// ones replaced. A file with any problem changes nothing. Fields this
    /// version does not know are ignored.
    pub fn import(&mut self, text: &str) -> Result<Imported, StyleError> {
        if text.len() > MAX_FILE_BYTES {
            return Err(StyleError::TooLarge);
        }
        // The header first: a file of another kind or a newer version is
        // named as such, whatever the rest of it holds.
        let header: Header = crate::json::from_str(text).map_err(|_| StyleError::NotStyles)?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(StyleError::NotStyles);
        }
        let version = header.version.ok_or(StyleError::NotStyles)?;
        if version > VERSION {
            return Err(StyleError::NewerVersion(version));
        }
        let file: File = crate::json::from_str(text).map_err(|_| StyleError::NotStyles)?;
        if file.styles.len() > MAX_STYLES {
            return Err(StyleError::TooLarge);
        }
        let mut next = self.clone();
        let mut done = Imported {
            added: 0,
            replaced: 0,
        };
        for (i, style) in file.styles.into_iter().enumerate() {
            let existed = next.get(style.name.trim()).is_some();
            next.save(style, true)
                .map_err(|e| StyleError::BadStyle(i + 1, Box::new(e)))?;
            if existed {
                done.replaced += 1;
            } else {
                done.added += 1;
            }
        }
        if next.styles.len() > MAX_STYLES {
            return Err(StyleError::TooLarge);
        }
        *self = next;
        Ok(done)
    }
}

fn check_text(s: &Style) -> Result<(), StyleError> {
    if s.prompt.chars().count() > MAX_TEXT_CHARS || s.negative.chars().count() > MAX_TEXT_CHARS {
        return Err(StyleError::TextTooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            prompts: "1girl, smile".into(),
            negative: "lowres".into(),
            steps: "30".into(),
            ..Draft::default()
        }
    }

    #[test]
    fn apply_replaces_and_insert_appends() {
        let style = Style::from_draft(" Portrait ", &draft());
        assert_eq!(style.name, "Portrait");
        let mut d = Draft {
            prompts: "cat".into(),
            steps: "12".into(),
            ..Draft::default()
        };
        style.apply(&mut d);
        assert_eq!(
            (d.prompts.as_str(), d.negative.as_str(), d.steps.as_str()),
            ("1girl, smile", "lowres", "30")
        );

        let mut d = Draft {
            prompts: "cat, ".into(),
            negative: String::new(),
            steps: "12".into(),
            ..Draft::default()
        };
        style.insert(&mut d);
        assert_eq!(
            (d.prompts.as_str(), d.negative.as_str(), d.steps.as_str()),
            ("cat, 1girl, smile", "lowres", "12")
        );
        // Inserting twice does not double it.
        style.insert(&mut d);
        assert_eq!(d.prompts, "cat, 1girl, smile");
    }

    #[test]
    fn a_built_in_without_parameters_leaves_them() {
        let mut d = draft();
        BuiltIn::Quality.style().apply(&mut d);
        assert_eq!(
            d.prompts,
            "masterpiece, best quality, very aesthetic, absurdres"
        );
        assert_eq!(d.steps, "30");
        let mut d = draft();
        BuiltIn::CommonNegative.style().insert(&mut d);
        assert!(
            d.negative.starts_with("lowres, bad anatomy, bad hands"),
            "{}",
            d.negative
        );
        assert_eq!(d.prompts, "1girl, smile");
    }

    #[test]
    fn names_are_checked() {
        let mut b = StyleBook::default();
        b.save(Style::from_draft("a", &draft()), false).unwrap();
        assert_eq!(
            b.save(Style::from_draft(" a ", &draft()), false),
            Err(StyleError::NameTaken("a".into()))
        );
        assert_eq!(
            b.save(Style::from_draft("  ", &draft()), false),
            Err(StyleError::EmptyName)
        );
        assert_eq!(
            b.save(Style::from_draft(&"x".repeat(81), &draft()), false),
            Err(StyleError::NameTooLong)
        );
        b.save(Style::from_draft("b", &draft()), false).unwrap();
        assert_eq!(b.rename("a", "b"), Err(StyleError::NameTaken("b".into())));
        b.rename("a", "c").unwrap();
        assert_eq!(b.rename("zz", "d"), Err(StyleError::NotFound));
        assert_eq!(b.delete("b").unwrap().name, "b");
        assert_eq!(
            b.styles.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["c"]
        );
    }

    #[test]
    fn export_and_import_round_trip() {
        let mut b = StyleBook::default();
        b.save(Style::from_draft("风格", &draft()), false).unwrap();
        b.save(BuiltIn::Soft.style().named("soft"), false).unwrap();
        let file = b.export();
        let mut other = StyleBook::default();
        other
            .save(Style::from_draft("soft", &Draft::default()), false)
            .unwrap();
        assert_eq!(
            other.import(&file),
            Ok(Imported {
                added: 1,
                replaced: 1
            })
        );
        assert_eq!(other.get("风格"), b.get("风格"));
        assert_eq!(other.get("soft"), b.get("soft"));
    }

    #[test]
    fn a_bad_file_changes_nothing() {
        let mut b = StyleBook::default();
        b.save(Style::from_draft("mine", &draft()), false).unwrap();
        let before = b.clone();
        for (file, err) in [
            ("not json", StyleError::NotStyles),
            ("[]", StyleError::NotStyles),
            (
                r#"{"format":"other","version":1,"styles":[]}"#,
                StyleError::NotStyles,
            ),
            (
                r#"{"format":"kamiya-studio-styles","styles":[]}"#,
                StyleError::NotStyles,
            ),
            (
                r#"{"format":"kamiya-studio-styles","version":2,"styles":[]}"#,
                StyleError::NewerVersion(2),
            ),
            (
                r#"{"format":"kamiya-studio-styles","version":1,"styles":7}"#,
                StyleError::NotStyles,
            ),
            (
                r#"{"format":"kamiya-studio-styles","version":1,"styles":[{"name":"ok"},{"name":" "}]}"#,
                StyleError::BadStyle(2, Box::new(StyleError::EmptyName)),
            ),
        ] {
            assert_eq!(b.import(file), Err(err), "{file}");
            assert_eq!(b, before, "{file}");
        }
        let huge = r#"{"format":"kamiya-studio-styles","version":1,"styles":[{"name":"x"}]}"#
            .to_string()
            + &" ".repeat(MAX_FILE_BYTES);
        assert_eq!(b.import(&huge), Err(StyleError::TooLarge));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut b = StyleBook::default();
        let file = r#"{"format":"kamiya-studio-styles","version":1,"future":true,
            "styles":[{"name":"n","prompt":"p","colour":"red","params":{"steps":"20","hires":true}}]}"#;
        assert_eq!(
            b.import(file),
            Ok(Imported {
                added: 1,
                replaced: 0
            })
        );
        let s = b.get("n").unwrap();
        assert_eq!(
            (s.prompt.as_str(), s.params.as_ref().unwrap().steps.as_str()),
            ("p", "20")
        );
    }
}
