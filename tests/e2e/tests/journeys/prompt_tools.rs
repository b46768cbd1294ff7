//! Prompt tools, end to end: tag completion by keyboard and by tap (an
//! English prefix, an alias, a Chinese name) with what a screen reader is
//! told, emphasis keys, styles across a reload and through export and
//! import, recent prompts, and a tag list that does not load.

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use kamiya_e2e::a11y::{accessible_names, assert_axe_clean};
use kamiya_e2e::{only_in, Engine, Harness, HarnessOptions};

use crate::common::{connected, standin, WAIT};

const CONTROL: char = '\u{E009}';
const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const ESCAPE: char = '\u{E00C}';
const UP: char = '\u{E013}';
const DOWN: char = '\u{E015}';

/// Keys pressed together (the first ones held), as a keyboard does.
async fn chord(h: &Harness, keys: &[char]) {
    let mut a = KeyActions::new("keyboard".to_string());
    for &k in keys {
        a = a.then(KeyAction::Down { value: k });
    }
    for &k in keys.iter().rev() {
        a = a.then(KeyAction::Up { value: k });
    }
    h.client.perform_actions(a).await.expect("keys");
}

/// Types into the prompt (found by id: its label changes with the language).
async fn type_in_prompt(h: &Harness, text: &str) {
    h.client
        .find(fantoccini::Locator::Id("prompt"))
        .await
        .expect("the prompt field")
        .send_keys(text)
        .await
        .expect("typing");
}

/// Empties the prompt and gives it the focus, as a person selecting all
/// and deleting would.
async fn clear_prompt(h: &Harness) {
    h.eval("(() => { const p = document.getElementById('prompt'); p.focus(); p.value = ''; p.dispatchEvent(new Event('input', {bubbles: true})); return true })()")
        .await;
}

async fn prompt_value(h: &Harness) -> String {
    h.eval("document.getElementById('prompt').value")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The suggestions shown (each option's tag name), once some are.
async fn wait_for_options(h: &Harness, first: &str) -> Vec<String> {
    h.wait_until(
        &format!(
            "(() => {{ const l = document.getElementById('prompt-tags'); if (!l || l.hidden) return false;
               const o = l.querySelector('[role=option] .tag-name'); return !!o && o.textContent === {first:?}; }})()"
        ),
        WAIT,
    )
    .await;
    h.eval("Array.from(document.querySelectorAll('#prompt-tags [role=option] .tag-name')).map(e => e.textContent)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

/// The prompt at the top of the screen, its list below it, for a screenshot.
async fn scroll_to_prompt(h: &Harness) {
    h.eval("(() => { document.getElementById('prompt').scrollIntoView({ block: 'start' }); return true })()")
        .await;
}

async fn list_hidden(h: &Harness) -> bool {
    h.eval("document.getElementById('prompt-tags').hidden")
        .await
        == true
}

/// The option the field points screen readers to, and whether it is the
/// one marked selected.
async fn active_option(h: &Harness) -> (String, bool) {
    let v = h
        .eval(
            "(() => { const p = document.getElementById('prompt'); const id = p.getAttribute('aria-activedescendant');
               const o = id && document.getElementById(id);
               return o ? [o.querySelector('.tag-name').textContent, o.getAttribute('aria-selected') === 'true'] : ['', false]; })()",
        )
        .await;
    (
        v[0].as_str().unwrap_or_default().to_string(),
        v[1].as_bool().unwrap_or(false),
    )
}

async fn completion(opts: HarnessOptions, shot: &str) {
    only_in!(
        Engine::Chromium,
        "the prompt tools are checked at both sizes in Chromium, whose accessibility tree needs CDP"
    );
    let api = standin(1.0).await;
    let h = Harness::start(opts).await;
    connected(&h, &api).await;
    let prompt = h.field("Prompt").await;
    assert_eq!(
        h.eval("[document.getElementById('prompt').getAttribute('aria-autocomplete'), document.getElementById('prompt').getAttribute('aria-controls')]").await,
        serde_json::json!(["list", "prompt-tags"])
    );
    // The tag list is not part of the first load: fetched on first focus.
    let fetched =
        "performance.getEntriesByType('resource').filter(e => e.name.endsWith('/tags.txt')).length";
    assert_eq!(
        h.eval(fetched).await,
        0,
        "tag list fetched before any focus"
    );

    // An English prefix, by keyboard.
    prompt.click().await.unwrap();
    type_in_prompt(&h, "1girl, long ha").await;
    let shown = wait_for_options(&h, "long hair").await;
    assert_eq!(h.eval(fetched).await, 1);
    assert!(shown.len() > 1 && shown.len() <= 8, "{shown:?}");
    assert_eq!(active_option(&h).await, ("long hair".into(), true));
    // What a screen reader gets: the list and its options, named.
    assert_eq!(accessible_names(&h, "listbox").await, ["Tag suggestions"]);
    // (The form's selects have options too: ours are the ones named by a tag.)
    let options = accessible_names(&h, "option").await;
    assert!(
        options.iter().any(|o| o.starts_with("long hair general")),
        "each option says the tag, its category as a word, its count: {options:?}"
    );
    scroll_to_prompt(&h).await;
    h.screenshot(&format!("{shot}-tags-en")).await;
    assert_axe_clean(&h, &format!("{shot}: tag suggestions open")).await;
    chord(&h, &[DOWN]).await;
    assert_eq!(active_option(&h).await, (shown[1].clone(), true));
    chord(&h, &[UP]).await;
    assert_eq!(active_option(&h).await, ("long hair".into(), true));
    chord(&h, &[ENTER]).await;
    assert_eq!(prompt_value(&h).await, "1girl, long hair, ");
    assert!(list_hidden(&h).await);

    // An alias, taken with Tab.
    type_in_prompt(&h, "longhai").await;
    wait_for_options(&h, "long hair").await;
    assert!(
        h.eval("document.querySelector('#prompt-tags .tag-via').textContent")
            .await
            == "longhair",
        "the alias that matched is shown"
    );
    chord(&h, &[TAB]).await;
    assert_eq!(prompt_value(&h).await, "1girl, long hair, long hair, ");
    assert_eq!(
        h.eval("document.activeElement.id").await,
        "prompt",
        "Tab took the tag, the focus stayed"
    );

    // Esc closes the list and leaves the text.
    type_in_prompt(&h, "smi").await;
    wait_for_options(&h, "smile").await;
    chord(&h, &[ESCAPE]).await;
    assert!(list_hidden(&h).await);
    assert_eq!(prompt_value(&h).await, "1girl, long hair, long hair, smi");

    // Chinese names, taken by a tap (a click on the option).
    clear_prompt(&h).await;
    for (typed, tag) in [
        ("长发", "long hair"),
        ("微笑", "smile"),
        ("双马尾", "twintails"),
    ] {
        clear_prompt(&h).await;
        type_in_prompt(&h, typed).await;
        wait_for_options(&h, tag).await;
        h.eval("document.querySelector('#prompt-tags [role=option]').id")
            .await;
        let option = h
            .client
            .find(fantoccini::Locator::Css("#prompt-tags [role=option]"))
            .await
            .unwrap();
        option.click().await.unwrap();
        assert_eq!(prompt_value(&h).await, format!("{tag}, "), "{typed}");
        assert_eq!(h.eval("document.activeElement.id").await, "prompt");
    }

    // Parentheses in a tag are escaped as AUTOMATIC1111 reads them.
    clear_prompt(&h).await;
    type_in_prompt(&h, "hatsune miku \\(cos").await;
    wait_for_options(&h, "hatsune miku \\(cosplay\\)").await;
    chord(&h, &[ENTER]).await;
    assert_eq!(prompt_value(&h).await, "hatsune miku \\(cosplay\\), ");

    // In Chinese: the list and its labels, and axe, with the list open.
    h.select("Language", "中文").await;
    clear_prompt(&h).await;
    type_in_prompt(&h, "双马尾").await;
    h.wait_until(
        "(() => { const c = document.querySelector('#prompt-tags .tag-cat'); return !!c && c.textContent === '常规'; })()",
        WAIT,
    )
    .await;
    assert_eq!(accessible_names(&h, "listbox").await, ["标签建议"]);
    scroll_to_prompt(&h).await;
    h.screenshot(&format!("{shot}-tags-zh")).await;
    assert_axe_clean(&h, &format!("{shot}: tag suggestions open, Chinese")).await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_by_keyboard_and_tap_on_a_desktop() {
    completion(HarnessOptions::desktop(), "desktop").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_by_keyboard_and_tap_on_a_phone() {
    completion(HarnessOptions::phone(), "phone").await;
}

/// Puts the cursor (or a selection) into the prompt: UTF-16 offsets.
async fn select_in_prompt(h: &Harness, from: usize, to: usize) {
    h.eval(&format!(
        "(() => {{ const p = document.getElementById('prompt'); p.focus(); p.setSelectionRange({from}, {to}); return true }})()"
    ))
    .await;
}

async fn selected_in_prompt(h: &Harness) -> String {
    h.eval("(() => { const p = document.getElementById('prompt'); return p.value.slice(p.selectionStart, p.selectionEnd) })()")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emphasis_keys_weigh_the_tag_at_the_cursor() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "1girl, smile, solo").await;
    // The cursor inside `smile`.
    select_in_prompt(&h, 9, 9).await;
    chord(&h, &[CONTROL, UP]).await;
    assert_eq!(prompt_value(&h).await, "1girl, (smile:1.1), solo");
    assert_eq!(selected_in_prompt(&h).await, "smile");
    chord(&h, &[CONTROL, UP]).await;
    assert_eq!(prompt_value(&h).await, "1girl, (smile:1.2), solo");
    assert_eq!(selected_in_prompt(&h).await, "smile");
    chord(&h, &[CONTROL, DOWN]).await;
    chord(&h, &[CONTROL, DOWN]).await;
    assert_eq!(prompt_value(&h).await, "1girl, smile, solo");
    chord(&h, &[CONTROL, DOWN]).await;
    assert_eq!(prompt_value(&h).await, "1girl, (smile:0.9), solo");
    // A selection of two words.
    h.fill("Prompt", "long hair, blue eyes").await;
    select_in_prompt(&h, 11, 20).await;
    chord(&h, &[CONTROL, UP]).await;
    assert_eq!(prompt_value(&h).await, "long hair, (blue eyes:1.1)");
    assert_eq!(selected_in_prompt(&h).await, "blue eyes");
    // Unbalanced parentheses are left as they are.
    h.fill("Prompt", "smile), solo").await;
    select_in_prompt(&h, 2, 2).await;
    chord(&h, &[CONTROL, UP]).await;
    assert_eq!(prompt_value(&h).await, "smile), solo");
    // What was weighed is what is sent.
    h.fill("Prompt", "1girl, smile").await;
    select_in_prompt(&h, 9, 9).await;
    chord(&h, &[CONTROL, UP]).await;
    h.click("Generate").await;
    h.wait_until("document.querySelectorAll('.job').length > 0 || document.querySelectorAll('.tile').length > 0", WAIT)
        .await;
    let sent = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(body) = api.last_generate_body() {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("a generate call");
    assert_eq!(sent["prompts"], "1girl, (smile:1.1)");
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_list_that_does_not_load_leaves_the_field_as_it_was() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let mut opts = HarnessOptions::desktop();
    opts.init_script = Some(
        "const realFetch = window.fetch; window.fetch = function (input, init) {
           const url = input instanceof Request ? input.url : String(input);
           return url.endsWith('/tags.txt') ? Promise.reject(new TypeError('Failed to fetch')) : realFetch.call(this, input, init);
         };"
            .into(),
    );
    let h = Harness::start(opts).await;
    connected(&h, &api).await;
    h.field("Prompt").await.click().await.unwrap();
    h.wait_text("Tag suggestions are off: the tag list did not load.", WAIT)
        .await;
    type_in_prompt(&h, "long ha").await;
    assert_eq!(prompt_value(&h).await, "long ha");
    assert!(list_hidden(&h).await);
    h.close().await;
}

/// What the app offered as a file: `URL.createObjectURL`'s last blob, as text.
const LAST_BLOB: &str = "const realCreate = URL.createObjectURL; window.__blobs = [];
  URL.createObjectURL = function (b) { window.__blobs.push(b); return realCreate.call(URL, b); };";

async fn last_blob_text(h: &Harness) -> String {
    h.client
        .execute_async(
            "const done = arguments[arguments.length - 1]; window.__blobs[window.__blobs.length - 1].text().then(done);",
            vec![],
        )
        .await
        .expect("blob text")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn style_names(h: &Harness) -> Vec<String> {
    h.eval("Array.from(document.querySelectorAll('#style-pick option')).map(o => o.textContent)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

async fn import_file(h: &Harness, name: &str, text: &str) {
    let path = std::env::temp_dir().join(format!("kamiya-e2e-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    h.field("Import…")
        .await
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn styles_survive_a_reload_and_round_trip_through_export_and_import() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(0.5).await;
    let mut opts = HarnessOptions::desktop();
    opts.init_script = Some(LAST_BLOB.into());
    let h = Harness::start(opts).await;
    connected(&h, &api).await;
    h.fill("Prompt", "a red fox").await;
    h.fill("Negative prompt", "lowres").await;
    h.fill("Steps", "30").await;
    h.click("Styles").await;
    h.fill("Style name", "Fox").await;
    h.click("Save the form as a style").await;
    h.wait_text("Saved the style “Fox”.", WAIT).await;
    // A name already taken is refused, nothing changes.
    h.fill("Style name", "Fox").await;
    h.click("Save the form as a style").await;
    h.wait_text("A style named “Fox” already exists", WAIT)
        .await;

    h.reload().await;
    h.field("Prompt").await;
    h.click("Styles").await;
    assert!(style_names(&h).await.contains(&"Fox".to_string()));
    h.fill("Prompt", "something else").await;
    h.fill("Steps", "12").await;
    h.select("Style", "Fox").await;
    h.click("Apply").await;
    assert_eq!(prompt_value(&h).await, "a red fox");
    assert_eq!(h.value("Steps").await, "30");
    assert_eq!(h.value("Negative prompt").await, "lowres");
    // A built-in one inserted: its tags after the prompt's.
    h.select("Style", "Quality tags").await;
    h.click("Insert").await;
    assert_eq!(
        prompt_value(&h).await,
        "a red fox, masterpiece, best quality, very aesthetic, absurdres"
    );
    // Renamed.
    h.select("Style", "Fox").await;
    h.fill("Style name", "Red fox").await;
    h.click("Rename").await;
    h.wait_text("Renamed to “Red fox”.", WAIT).await;

    // Exported, deleted, imported back: the same style.
    h.click("Export").await;
    h.wait_text("Exported 1 styles.", WAIT).await;
    let exported = last_blob_text(&h).await;
    let file: serde_json::Value = serde_json::from_str(&exported).expect("JSON");
    assert_eq!(file["format"], "kamiya-studio-styles");
    assert_eq!(file["styles"][0]["name"], "Red fox");
    assert_eq!(file["styles"][0]["prompt"], "a red fox");
    h.click("Delete").await;
    h.wait_text("Deleted “Red fox”.", WAIT).await;
    assert!(!style_names(&h).await.contains(&"Red fox".to_string()));
    // A file from a newer version, and one that is not styles: refused.
    import_file(
        &h,
        "newer.json",
        r#"{"format":"kamiya-studio-styles","version":9,"styles":[]}"#,
    )
    .await;
    h.wait_text("made by a newer Kamiya Studio (format version 9)", WAIT)
        .await;
    import_file(&h, "other.json", r#"{"hello":"world"}"#).await;
    h.wait_text("This file is not a Kamiya Studio styles file", WAIT)
        .await;
    assert!(!style_names(&h).await.contains(&"Red fox".to_string()));
    import_file(&h, "styles.json", &exported).await;
    h.wait_text("Imported 1 styles (0 replaced", WAIT).await;
    h.fill("Prompt", "").await;
    h.select("Style", "Red fox").await;
    h.click("Apply").await;
    assert_eq!(prompt_value(&h).await, "a red fox");
    h.eval("(() => { document.getElementById('style-pick').scrollIntoView({ block: 'center' }); return true })()")
        .await;
    h.screenshot("desktop-styles").await;
    assert_axe_clean(&h, "styles panel").await;

    // Recent prompts: what was sent, searchable, one tap to use again.
    for p in ["a red fox in the snow", "two blue kites"] {
        h.fill("Prompt", p).await;
        h.click("Generate").await;
        h.wait_until(
            &format!("JSON.stringify(localStorage.getItem('kamiya-studio:v1:prompt-history') || '').includes({p:?})"),
            WAIT,
        )
        .await;
    }
    h.click("Recent prompts").await;
    h.fill("Search recent prompts", "kite").await;
    h.wait_until(
        "document.querySelectorAll('.recent-item').length === 1",
        WAIT,
    )
    .await;
    h.fill("Prompt", "").await;
    h.click("two blue kites").await;
    assert_eq!(prompt_value(&h).await, "two blue kites");
    h.reload().await;
    h.field("Prompt").await;
    h.click("Recent prompts").await;
    h.wait_text("a red fox in the snow", WAIT).await;
    h.eval("(() => { document.getElementById('recent-search').scrollIntoView({ block: 'center' }); return true })()")
        .await;
    h.screenshot("desktop-recent-prompts").await;
    assert_axe_clean(&h, "recent prompts").await;
    h.close().await;
}

/// Two windows of one profile: a style saved in each is in both, and a
/// delete in one does not come back from the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn styles_are_the_same_in_two_windows_and_none_is_lost() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    let first = h.current_window().await;
    let second = h.new_window_beside().await;
    h.open().await;
    h.field("Prompt").await;
    h.click("Styles").await;

    h.act_in(&first).await;
    h.fill("Prompt", "from the first window").await;
    h.click("Styles").await;
    h.fill("Style name", "First").await;
    h.click("Save the form as a style").await;
    h.wait_text("Saved the style “First”.", WAIT).await;

    // The second window hears of it, and its own save keeps it.
    h.act_in(&second).await;
    h.wait_until(
        "Array.from(document.querySelectorAll('#style-pick option')).some(o => o.textContent === 'First')",
        WAIT,
    )
    .await;
    h.fill("Prompt", "from the second window").await;
    h.fill("Style name", "Second").await;
    h.click("Save the form as a style").await;
    h.wait_text("Saved the style “Second”.", WAIT).await;

    h.act_in(&first).await;
    h.wait_until(
        "Array.from(document.querySelectorAll('#style-pick option')).some(o => o.textContent === 'Second')",
        WAIT,
    )
    .await;
    h.select("Style", "First").await;
    h.click("Delete").await;
    h.wait_text("Deleted “First”.", WAIT).await;

    // The second window saves again (a rename): the deleted one stays gone.
    h.act_in(&second).await;
    h.select("Style", "Second").await;
    h.fill("Style name", "Second, renamed").await;
    h.click("Rename").await;
    h.wait_text("Renamed to “Second, renamed”.", WAIT).await;
    assert!(!style_names(&h).await.contains(&"First".to_string()));
    h.reload().await;
    h.field("Prompt").await;
    h.click("Styles").await;
    let names = style_names(&h).await;
    assert!(names.contains(&"Second, renamed".to_string()), "{names:?}");
    assert!(!names.contains(&"First".to_string()), "{names:?}");
    h.close().await;
}
