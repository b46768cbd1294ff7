//! The gallery for thousands of pictures: a windowed grid, finding,
//! selecting several, downloading them as one ZIP, copies kept on this
//! device, and pictures whose host is gone.

use std::io::Read;
use std::time::Duration;

use crate::common::*;
use kamiya_e2e::app::{picture_menu, seed_archive, wait_for_picture};
use kamiya_e2e::{only_in, Engine, Harness, HarnessOptions};
use serde_json::json;

const LONG: Duration = Duration::from_secs(45);

async fn images_in_page(h: &Harness) -> u64 {
    h.eval("document.images.length").await.as_u64().unwrap()
}

/// Scrolls whatever holds the gallery to its very end.
const TO_THE_END: &str = "(() => {
  const grid = document.querySelector('.grid-window');
  let p = grid.parentElement;
  while (p && !(['auto', 'scroll'].includes(getComputedStyle(p).overflowY) && p.scrollHeight > p.clientHeight)) p = p.parentElement;
  (p || document.scrollingElement).scrollTop = 1e9;
  return true;
})()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_pictures_scroll_search_and_filter() {
    let h = Harness::start(HarnessOptions::desktop()).await;
    h.open().await;
    seed_archive(&h, 10_000).await;
    h.reload().await;
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '10000'",
        LONG,
    )
    .await;
    wait_for_picture(&h, "archived picture 9999", WAIT).await;
    assert!(images_in_page(&h).await < 300);
    // To the end: the oldest picture is there, and still a window of them.
    h.eval(TO_THE_END).await;
    h.wait_until(
        "Array.from(document.querySelectorAll('.gallery .thumb-button')).some(b => b.getAttribute('aria-label') === 'Open image: archived picture 0')",
        WAIT,
    )
    .await;
    let images = images_in_page(&h).await;
    assert!(images < 300, "{images} images in the page");

    // Search narrows the grid and says how many match (as text: no patterns).
    h.fill("Search prompts", "picture 999").await;
    let matching = (0..10_000)
        .filter(|i| i.to_string().contains("999"))
        .count();
    h.wait_text(&format!("{matching} of 10000 pictures match"), WAIT)
        .await;
    h.wait_until(
        &format!("document.querySelectorAll('.gallery li').length === {matching}"),
        WAIT,
    )
    .await;
    h.fill("Search prompts", "").await;
    h.wait_until(
        &format!("document.querySelectorAll('.gallery li').length > {matching}"),
        WAIT,
    )
    .await;
    // A filter: in the address, so it survives a reload and Back undoes it.
    h.set_checked("Favourites only", true).await;
    h.wait_text("200 of 10000 pictures match", WAIT).await;
    assert!(h
        .eval("location.hash")
        .await
        .as_str()
        .unwrap()
        .contains("fav=1"));
    h.reload().await;
    h.wait_text("200 of 10000 pictures match", LONG).await;
    assert!(h.checked("Favourites only").await);
    h.client.back().await.unwrap();
    // ("200 of 10000 pictures match" holds "10000 pictures": the whole text.)
    h.wait_until(
        "document.querySelector('#gallery-title')?.closest('section')?.querySelector('[role=status]')?.textContent.trim() === '10000 pictures'",
        LONG,
    )
    .await;
    assert!(!h.checked("Favourites only").await);
    assert!(!h
        .eval("location.hash")
        .await
        .as_str()
        .unwrap()
        .contains("fav=1"));
    h.close().await;
}

/// Halfway down whatever holds the gallery, with scroll anchoring off (as
/// in WebKit, which has none): what moves the grid then moves no scroll.
const TO_THE_MIDDLE: &str = "(() => {
  const grid = document.querySelector('.grid-window');
  let p = grid.parentElement;
  while (p && !(['auto', 'scroll'].includes(getComputedStyle(p).overflowY) && p.scrollHeight > p.clientHeight)) p = p.parentElement;
  p = p || document.scrollingElement;
  p.style.overflowAnchor = 'none';
  document.documentElement.style.overflowAnchor = 'none';
  p.scrollTop = p.scrollHeight / 2;
  return true;
})()";

/// Whether the middle of the part of the grid on screen shows a picture.
const PICTURE_ON_SCREEN: &str = "(() => {
  const r = document.querySelector('.grid-window').getBoundingClientRect();
  const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
  if (bottom - top < 200) return false;
  const hit = document.elementFromPoint(r.left + 20, (top + bottom) / 2);
  return !!(hit && hit.closest('.gallery li:not(.tile-wait)'));
})()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_follows_the_grid_when_new_cards_push_it_down() {
    // Jobs that stay running: their cards stay above the gallery.
    let api = standin(120.0).await;
    // A screen taller than the settings and the form: the page's own size
    // is then the results column's, and nothing the form shows changes it.
    let h = Harness::start(HarnessOptions {
        height: 1400,
        ..HarnessOptions::desktop()
    })
    .await;
    connected(&h, &api).await;
    seed_archive(&h, 2_000).await;
    h.reload().await;
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '2000'",
        LONG,
    )
    .await;
    h.eval(TO_THE_MIDDLE).await;
    h.wait_until(PICTURE_ON_SCREEN, WAIT).await;
    let before = h
        .eval("document.querySelector('.grid-window').getBoundingClientRect().top")
        .await
        .as_f64()
        .unwrap();
    // Twenty cards above the grid push it down by more than the screen
    // and the half screen of rows kept each side of it, with no scroll:
    // only watching what is before the grid tells the window to move.
    h.fill("Prompt", "twenty cards").await;
    h.fill("Number of images", "20").await;
    h.click("Generate").await;
    h.wait_until(
        "document.querySelectorAll('.jobs > li').length === 20",
        WAIT,
    )
    .await;
    h.wait_until(
        &format!(
            "document.querySelector('.grid-window').getBoundingClientRect().top > {before} + 2000"
        ),
        WAIT,
    )
    .await;
    h.wait_until(PICTURE_ON_SCREEN, WAIT).await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_three_remove_undo_then_remove_for_good() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "one of five").await;
    h.fill("Number of images", "5").await;
    h.click("Generate").await;
    wait_for_images(&h, 5, LONG).await;
    h.click("Select").await;
    // Space on the first, Shift-click on the third: three selected.
    let boxes = "Array.from(document.querySelectorAll('.tile-pick input'))";
    h.wait_until(&format!("{boxes}.length === 5"), WAIT).await;
    h.eval(&format!(
        "(() => {{ const b = {boxes}; b[0].focus(); return true }})()"
    ))
    .await;
    h.client
        .active_element()
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
    h.wait_text("1 selected", WAIT).await;
    h.eval(&format!(
        "(() => {{ {boxes}[2].dispatchEvent(new MouseEvent('click', {{ bubbles: true, shiftKey: true }})); return true }})()"
    ))
    .await;
    h.wait_text("3 selected", WAIT).await;
    h.click("Remove").await;
    h.wait_text("3 pictures removed.", WAIT).await;
    h.wait_until(
        "document.querySelectorAll('.gallery li').length === 2",
        WAIT,
    )
    .await;
    h.click("Undo").await;
    // (Tiles are made a few a frame: wait for the checkboxes themselves.)
    h.wait_until(&format!("{boxes}.length === 5"), WAIT).await;
    // Again, for good: gone after a reload too.
    h.eval(&format!(
        "(() => {{ const b = {boxes}; b[0].click(); b[1].click(); b[2].click(); return true }})()"
    ))
    .await;
    h.wait_text("3 selected", WAIT).await;
    // After the reload, the removed pictures' tombstones are read late (as
    // on a slow phone), and every tile ever shown is counted: the account's
    // history must not bring them back meanwhile.
    h.set_init_script(SLOW_TOMBSTONES_AND_TILES_COUNTED);
    // Remove, and reload in the same moment (a person closing the tab right
    // after): the removal is written all the same.
    h.eval(
        "(() => { window.__before_reload = true;
           Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Remove').click();
           location.reload(); return true })()",
    )
    .await;
    h.wait_until(
        "!window.__before_reload && document.readyState === 'complete' && !!document.querySelector('[data-app-ready]')",
        LONG,
    )
    .await;
    wait_for_images(&h, 2, LONG).await;
    // The tombstones come 1.5 s late; the history's answer, at once. Once
    // they are read, what follows from them has a moment to show.
    h.wait_until("window.__tombstones_read === true", LONG)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        h.eval("document.querySelectorAll('.gallery li').length")
            .await,
        json!(2)
    );
    assert_eq!(h.eval("window.__most_tiles").await, json!(2));
    h.close().await;
}

/// An init script: the archive's tombstones (`getAllKeys` on that store)
/// answer 1.5 s late, and `window.__most_tiles` is the most gallery tiles
/// shown at once.
const SLOW_TOMBSTONES_AND_TILES_COUNTED: &str = r#"
(() => {
  const getAllKeys = IDBObjectStore.prototype.getAllKeys;
  IDBObjectStore.prototype.getAllKeys = function (...args) {
    const request = getAllKeys.apply(this, args);
    if (this.name === 'tombstones') {
      const add = request.addEventListener.bind(request);
      request.addEventListener = (type, listener, options) =>
        add(type, (e) => setTimeout(() => { window.__tombstones_read = true; listener(e); }, 1500), options);
    }
    return request;
  };
  window.__most_tiles = 0;
  new MutationObserver(() => {
    const n = document.querySelectorAll('.gallery li').length;
    if (n > window.__most_tiles) window.__most_tiles = n;
  }).observe(document, { childList: true, subtree: true });
})();
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_pictures_download_as_one_zip() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "A red fox, in the snow").await;
    h.fill("Number of images", "5").await;
    h.click("Generate").await;
    wait_for_images(&h, 5, LONG).await;
    // What the page saves: the ZIP's name and its bytes, as base64.
    // (The blob is read as the page made it: fetching its URL would need
    // the CSP to allow blob: connections, which the app does not.)
    h.eval("(() => { window.__zip = null; const blobs = new Map(); const make = URL.createObjectURL;
        URL.createObjectURL = function (b) { const u = make.call(URL, b); blobs.set(u, b); return u; };
        const click = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function () {
          if (this.download && this.download.endsWith('.zip')) {
            const name = this.download;
            blobs.get(this.href).arrayBuffer().then(b => {
              let s = ''; const u = new Uint8Array(b);
              for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192));
              window.__zip = [name, btoa(s)];
            });
          } else { click.call(this); }
        }; return true; })()")
        .await;
    h.click("Select").await;
    h.click("Select all matches").await;
    h.wait_text("5 selected", WAIT).await;
    h.click("Download as ZIP").await;
    h.wait_text("Saved as one ZIP file.", LONG).await;
    h.wait_until("!!window.__zip", WAIT).await;
    let saved = h.eval("window.__zip").await;
    assert!(saved[0].as_str().unwrap().ends_with("-5.zip"), "{saved}");
    let bytes = decode_base64(saved[1].as_str().unwrap());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    let jpegs: Vec<&String> = names.iter().filter(|n| n.ends_with(".jpg")).collect();
    let texts: Vec<&String> = names.iter().filter(|n| n.ends_with(".txt")).collect();
    assert_eq!((jpegs.len(), texts.len()), (5, 5), "{names:?}");
    for name in &jpegs {
        // YYYY-MM-DD_seed_first-words.jpg
        let parts: Vec<&str> = name.splitn(3, '_').collect();
        assert_eq!(parts.len(), 3, "{name}");
        assert_eq!(parts[0].len(), 10, "{name}");
        assert!(parts[1].parse::<u32>().is_ok(), "{name}");
        assert_eq!(parts[2], "a-red-fox-in-the-snow.jpg", "{name}");
        let mut jpeg = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut jpeg).unwrap();
        assert_eq!(&jpeg[..2], &[0xff, 0xd8], "a JPEG");
        let mut text = String::new();
        zip.by_name(&name.replace(".jpg", ".txt"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert!(
            text.starts_with("A red fox, in the snow\nNegative prompt:")
                && text.contains(&format!("Seed: {}", parts[1])),
            "{text}"
        );
    }
    h.close().await;
}

fn decode_base64(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let v: Vec<u32> = chunk.iter().map(|&c| value(c) as u32).collect();
        let n = v.iter().fold(0u32, |acc, x| acc << 6 | x) << (6 * (4 - v.len()));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..v.len()]);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_copy_shows_when_the_image_host_is_gone() {
    let api = standin(1.0).await;
    api.set_cdn_no_store(true);
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "worth keeping").await;
    h.fill("Number of images", "2").await;
    h.click("Generate").await;
    wait_for_images(&h, 2, LONG).await;
    picture_menu(&h, "worth keeping", "Keep a copy on this device").await;
    h.wait_text("A copy is kept on this device.", WAIT).await;
    // The host forgets its pictures (404): the kept one still shows, the
    // other says it is unavailable, and its job is still there.
    api.set_cdn_status(Some(404));
    h.reload().await;
    wait_for_images(&h, 1, LONG).await;
    h.wait_text("Picture unavailable", WAIT).await;
    assert!(h
        .eval("Array.from(document.querySelectorAll('.gallery img')).some(i => i.src.startsWith('blob:') && i.naturalWidth > 0)")
        .await
        .as_bool()
        .unwrap());
    // The full view offers Retry; with the host back, the picture shows.
    h.eval("(() => { Array.from(document.querySelectorAll('.gallery .thumb-button')).find(b => b.querySelector('.picture-missing')).click(); return true })()")
        .await;
    h.wait_until(
        "!!document.querySelector('[role=dialog] .picture-missing')",
        WAIT,
    )
    .await;
    api.set_cdn_status(None);
    let dialog = h.region("Image viewer").await;
    h.click_in(&dialog, "Retry").await;
    h.wait_until(
        "(() => { const i = document.querySelector('[role=dialog] img'); return i && i.complete && i.naturalWidth > 0; })()",
        WAIT,
    )
    .await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_menu_and_selection_work_by_touch() {
    only_in!(
        Engine::Chromium,
        "phone emulation (touch) is Chromium's alone"
    );
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::phone()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "held by a thumb").await;
    h.fill("Number of images", "2").await;
    h.click("Generate").await;
    wait_for_images(&h, 2, LONG).await;
    // A tap on the menu button opens the menu.
    h.eval(
        "(() => { const b = document.querySelector('.menu-button');
        b.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, pointerType: 'touch' }));
        b.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, pointerType: 'touch' }));
        b.click(); return true; })()",
    )
    .await;
    h.wait_until("!!document.querySelector('[role=menu]')", WAIT)
        .await;
    // A tap outside closes it.
    h.eval("(() => { document.body.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, pointerType: 'touch' })); return true; })()")
        .await;
    h.wait_until("!document.querySelector('[role=menu]')", WAIT)
        .await;
    // Holding a picture starts selection mode with it selected.
    h.eval("(() => { document.querySelector('.thumb-button').dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, pointerType: 'touch' })); return true; })()")
        .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    h.eval("(() => { const b = document.querySelector('.thumb-button'); if (b) b.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, pointerType: 'touch' })); return true; })()")
        .await;
    h.wait_text("1 selected", WAIT).await;
    h.screenshot("phone-selecting").await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_new_picture_kept_when_chosen_in_settings() {
    let api = standin(1.0).await;
    api.set_cdn_no_store(true);
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.wait_text("Pictures kept: 0.", WAIT).await;
    h.set_checked("Keep a copy of every new picture on this device", true)
        .await;
    h.fill("Prompt", "kept from the start").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, LONG).await;
    // Kept without asking (the count follows), and still there after a
    // reload once the host has forgotten it.
    h.wait_text("Pictures kept: 1.", WAIT).await;
    api.set_cdn_status(Some(404));
    h.reload().await;
    h.wait_until(
        "Array.from(document.querySelectorAll('.gallery img')).some(i => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0)",
        LONG,
    )
    .await;
    open_settings(&h).await;
    assert!(
        h.checked("Keep a copy of every new picture on this device")
            .await
    );
    h.wait_text("Pictures kept: 1.", WAIT).await;
    // The space used, where the browser gives an estimate (WebKitGTK under
    // WebDriver gives none here: the count alone shows).
    if Engine::current() != Engine::WebKit {
        h.wait_text("Pictures kept: 1. This site uses", WAIT).await;
    }
    h.close().await;
}

/// Which view the narrow screen's links say is shown.
async fn current_view(h: &Harness) -> serde_json::Value {
    h.eval("Array.from(document.querySelectorAll('nav.views a')).filter(a => a.getAttribute('aria-current') === 'page').map(a => a.textContent.trim())")
        .await
}

/// Taps the view link named `name` where it is on the screen (the links
/// stay at the top of a narrow screen), without scrolling to it first.
fn tap_view_link(name: &str) -> String {
    format!(
        "(() => {{ const a = Array.from(document.querySelectorAll('nav[aria-label=Views] a')).find(a => a.textContent.trim() === {name:?});
           const r = a.getBoundingClientRect();
           if (r.top < 0 || r.bottom > innerHeight) return false;
           a.click(); return true; }})()"
    )
}

/// The label of the first picture whose tile is on the screen.
const FIRST_ON_SCREEN: &str = "(() => {
  const top = Math.max(0, document.querySelector('.results').getBoundingClientRect().top);
  const b = Array.from(document.querySelectorAll('.gallery .thumb-button')).find(b => b.getBoundingClientRect().top >= top);
  return b ? b.getAttribute('aria-label') : null;
})()";

/// On a phone, *Create* and *Pictures* are views one tap apart: each keeps
/// what it holds (the form as typed, the place in the gallery), Back
/// returns to the view before, a reload stays, and jobs run in either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_create_and_pictures_are_views_one_tap_apart() {
    let api = standin(2.0).await;
    let h = Harness::start(HarnessOptions::phone()).await;
    connected(&h, &api).await;
    seed_archive(&h, 300).await;
    h.reload().await;
    assert_eq!(current_view(&h).await, json!(["Create"]));
    // The gallery is not on the screen: none of its pictures is asked for.
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '300'",
        LONG,
    )
    .await;
    assert_eq!(
        h.eval("document.querySelectorAll('.gallery img').length")
            .await,
        json!(0)
    );
    h.fill("Prompt", "typed before looking").await;
    h.click("Generate").await;
    h.wait_until("document.querySelectorAll('.jobs > li').length === 1", WAIT)
        .await;
    h.fill("Prompt", "a second thought").await;

    h.click_link("Pictures").await;
    h.wait_until(
        "document.querySelectorAll('.gallery .thumb-button').length > 0",
        WAIT,
    )
    .await;
    assert_eq!(current_view(&h).await, json!(["Pictures"]));
    // The pictures scroll in their own column, below the view links.
    h.eval("(() => { const r = document.querySelector('.results'); r.style.overflowAnchor = 'none'; r.scrollTop = 6000; return true })()")
        .await;
    h.wait_until(
        &format!("(() => {{ const l = {FIRST_ON_SCREEN}; return !!l && document.querySelector('.results').scrollTop > 5000; }})()"),
        WAIT,
    )
    .await;
    let place = h.eval("document.querySelector('.results').scrollTop").await;
    let first = h.eval(FIRST_ON_SCREEN).await;

    // To the form and back: the prompt as typed, the job still there, and
    // the gallery where it was left.
    // (The links stay at the top of the screen: a tap, no scroll.)
    assert_eq!(
        h.eval(&tap_view_link("Create")).await,
        json!(true),
        "the view links are on the screen"
    );
    h.wait_until("document.documentElement.dataset.view === 'create'", WAIT)
        .await;
    assert_eq!(h.value("Prompt").await, "a second thought");
    h.client.back().await.unwrap();
    h.wait_until("document.documentElement.dataset.view === 'pictures'", WAIT)
        .await;
    assert_eq!(current_view(&h).await, json!(["Pictures"]));
    h.wait_until(
        &format!("document.querySelector('.results').scrollTop === {place}"),
        WAIT,
    )
    .await;
    h.wait_until(&format!("{FIRST_ON_SCREEN} === {first}"), WAIT)
        .await;
    // The job finished meanwhile, whichever view was shown.
    wait_for_picture(&h, "typed before looking", LONG).await;
    // A reload stays on the pictures.
    h.reload().await;
    assert_eq!(current_view(&h).await, json!(["Pictures"]));
    // A picture's settings reused: the form shows them; Back returns.
    picture_menu(&h, "typed before looking", "Reuse settings").await;
    h.wait_until("document.documentElement.dataset.view === 'create'", WAIT)
        .await;
    assert_eq!(h.value("Prompt").await, "typed before looking");
    h.client.back().await.unwrap();
    h.wait_until("document.documentElement.dataset.view === 'pictures'", WAIT)
        .await;
    h.close().await;
}
