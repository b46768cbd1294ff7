//! The last prompts sent, newest first, to find and use again.

use serde::{Deserialize, Serialize};

/// How many prompts are kept.
pub const KEEP: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PromptHistory {
    /// Newest first, no two alike.
    pub prompts: Vec<String>,
}

impl PromptHistory {
    /// A prompt was sent: it goes first (moved there if it was already
    /// kept); the oldest past [`KEEP`] go.
    pub fn record(&mut self, prompt: &str) {
        let prompt = prompt.trim();
        if prompt.is_empty() {
            return;
        }
        self.prompts.retain(|p| p != prompt);
        self.prompts.insert(0, prompt.to_string());
        self.prompts.truncate(KEEP);
    }

    /// The kept prompts containing every word of `query` (any case of
    /// ASCII letters), newest first.
    pub fn search<'a>(&'a self, query: &str) -> impl Iterator<Item = &'a str> + 'a {
        let words: Vec<String> = query
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        self.prompts.iter().map(String::as_str).filter(move |p| {
            let p = p.to_ascii_lowercase();
            words.iter().all(|w| p.contains(w.as_str()))
        })
    }

    pub fn remove(&mut self, prompt: &str) {
        self.prompts.retain(|p| p != prompt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_without_doubles_and_at_most_a_hundred() {
        let mut h = PromptHistory::default();
        h.record("a cat");
        h.record("  a dog ");
        h.record("a cat");
        h.record("   ");
        assert_eq!(h.prompts, ["a cat", "a dog"]);
        for i in 0..150 {
            h.record(&format!("prompt {i}"));
        }
        assert_eq!(h.prompts.len(), KEEP);
        assert_eq!(h.prompts[0], "prompt 149");
        assert_eq!(h.prompts[KEEP - 1], "prompt 50");
    }

    #[test]
    fn search_takes_every_word_in_any_case() {
        let mut h = PromptHistory::default();
        for p in [
            "1girl, Long hair, smile",
            "cat in the snow",
            "1girl, short hair",
            "长发，微笑",
        ] {
            h.record(p);
        }
        let found = |q: &str| h.search(q).collect::<Vec<_>>();
        assert_eq!(
            found("hair 1GIRL"),
            ["1girl, short hair", "1girl, Long hair, smile"]
        );
        assert_eq!(found("微笑"), ["长发，微笑"]);
        assert_eq!(found("").len(), 4);
        assert!(found("dog").is_empty());
        h.remove("cat in the snow");
        assert_eq!(h.prompts.len(), 3);
    }
}
