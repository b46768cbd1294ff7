//! The app's views on a narrow screen, and where each lives in the page
//! address: *Create* (settings, the form, work in progress) and *Pictures*
//! (the gallery, whose query already lives at `#gallery?…`). A wide
//! screen shows both side by side, whatever the address says.

use super::gallery::FRAGMENT;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Create,
    Pictures,
}

/// The fragment that names the *Create* view when it is chosen; an empty
/// fragment (a first visit, a share link once read) is *Create* too.
pub const CREATE: &str = "create";

impl View {
    /// The view a page address's fragment (with or without `#`) shows.
    /// Anything that is not the gallery's is *Create*: a share link fills
    /// the form there.
    pub fn from_fragment(fragment: &str) -> View {
        if fragment.trim_start_matches('#').starts_with(FRAGMENT) {
            View::Pictures
        } else {
            View::Create
        }
    }

    /// Where the gallery's own address (`#gallery?…`, or empty for its
    /// default query) puts the page while *Pictures* is shown: never the
    /// empty fragment, which is *Create*.
    pub fn pictures_fragment(gallery: &str) -> String {
        let gallery = gallery.trim_start_matches('#');
        if gallery.is_empty() {
            FRAGMENT.to_string()
        } else {
            gallery.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gallery_address_is_the_pictures_view() {
        assert_eq!(View::from_fragment("#gallery"), View::Pictures);
        assert_eq!(View::from_fragment("gallery?q=fox&at=40"), View::Pictures);
        assert_eq!(View::from_fragment("#create"), View::Create);
        assert_eq!(View::from_fragment(""), View::Create);
        assert_eq!(View::from_fragment("#"), View::Create);
        // A share link fills the form.
        assert_eq!(View::from_fragment("#p=eyJwIjoiYSJ9"), View::Create);
    }

    #[test]
    fn the_pictures_view_never_writes_an_empty_fragment() {
        assert_eq!(View::pictures_fragment(""), "gallery");
        assert_eq!(View::pictures_fragment("#"), "gallery");
        assert_eq!(View::pictures_fragment("gallery?fav=1"), "gallery?fav=1");
        assert_eq!(
            View::from_fragment(&View::pictures_fragment("")),
            View::Pictures
        );
    }
}
