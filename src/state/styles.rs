//! The user's styles, kept on this device and the same in every tab.

use super::synced::Synced;
use crate::domain::styles::StyleBook;

const STYLES_KEY: &str = "styles";

pub type StyleStore = Synced<StyleBook>;

pub fn load() -> StyleStore {
    Synced::load(STYLES_KEY)
}
