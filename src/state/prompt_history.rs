//! The last prompts sent, kept on this device and the same in every tab.

use super::synced::Synced;
use crate::domain::prompt_history::PromptHistory;

const HISTORY_KEY: &str = "prompt-history";

pub type PromptHistoryStore = Synced<PromptHistory>;

pub fn load() -> PromptHistoryStore {
    Synced::load(HISTORY_KEY)
}
