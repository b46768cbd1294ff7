//! Chinese and English. Every UI string is a [`T`] with both texts side by
//! side, so a missing translation is a compile error, not a blank. This
//! module sits below every other: it knows the language only as a value
//! handed to it, never the stores that keep the user's choice.

use std::fmt::{Display, Write};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// `zh`, `zh-CN`, `zh-Hant-TW`… are Chinese; everything else English.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.trim().to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// The browser's preferred language.
pub fn browser_lang() -> Lang {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .map(|l| Lang::from_tag(&l))
        .unwrap_or_default()
}

#[derive(Clone, Copy)]
struct LangContext(Memo<Lang>);

/// Makes the language (the user's `choice`, else the browser's) available
/// to every view below.
pub fn provide_lang(choice: Signal<Option<Lang>>) -> Memo<Lang> {
    let lang = Memo::new(move |_| choice.get().unwrap_or_else(browser_lang));
    provide_context(LangContext(lang));
    lang
}

/// The current language, as a signal.
pub fn use_lang() -> Signal<Lang> {
    use_context::<LangContext>()
        .map(|c| c.0.into())
        .unwrap_or_else(|| Signal::derive(browser_lang))
}

macro_rules! texts {
    ($($key:ident => $en:expr, $zh:expr;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum T { $($key),* }

        impl T {
            pub fn get(self, lang: Lang) -> &'static str {
                // A table, not a match: one load instead of a branch per
                // text, which is less wasm.
                const TEXTS: &[[&str; 2]] = &[$([$en, $zh]),*];
                TEXTS[self as usize][lang as usize]
            }
        }

        #[cfg(test)]
        const ALL: &[T] = &[$(T::$key),*];
    };
}

impl T {
    /// A reactive text for views: follows language changes.
    pub fn tr(self) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = use_lang();
        move || self.get(lang.get())
    }

    /// A text with values: each `{0}`, `{1}`… of the template becomes that
    /// argument. Numbered, not ordered, because the two languages put the
    /// values of one sentence in different places.
    pub fn fill(self, lang: Lang, args: &[&dyn Display]) -> String {
        fill_in(self.get(lang), args)
    }
}

fn fill_in(template: &str, args: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let slot = after.split_once('}').and_then(|(n, tail)| {
            let arg = args.get(n.parse::<usize>().ok()?)?;
            Some((arg, tail))
        });
        match slot {
            Some((arg, tail)) => {
                let _ = write!(out, "{arg}");
                rest = tail;
            }
            // Not a placeholder: a brace the sentence itself contains.
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

texts! {
    Tagline => "Make pictures with the Kamiya image API", "用 Kamiya 图像 API 创作图片";
    Settings => "Settings", "设置";
    BaseUrl => "API base URL", "API 地址";
    BaseUrlHint => "The Kamiya API, or your proxy in front of it.", "Kamiya API 的地址，或你的代理地址。";
    BaseUrlInvalid => "Enter an address starting with https:// (or http://), without user name, ? or #.", "请输入以 https://（或 http://）开头的地址，不含用户名、? 或 #。";
    ApiKey => "API key", "API 密钥";
    ShowKey => "Show", "显示";
    HideKey => "Hide", "隐藏";
    KeepKey => "Keep the key", "密钥保存方式";
    KeepOnDevice => "On this device", "保存在此设备";
    KeepForTab => "Only until the app's tabs close", "仅保留到关闭本应用的所有标签页";
    ForgetKey => "Forget the key", "清除密钥";
    Language => "Language", "语言";
    LanguageAuto => "Browser default", "跟随浏览器";
    StorageUnavailable => "This browser cannot save data right now (private mode or full storage): everything works, but will be forgotten when the page closes.", "浏览器暂时无法保存数据（隐私模式或存储已满）：功能正常，但关闭页面后不会保留。";
    Theme => "Theme", "主题";
    ThemeSystem => "Follow the system", "跟随系统";
    ThemeLight => "Light", "浅色";
    ThemeDark => "Dark", "深色";
    Offline => "You are offline. Your jobs, pictures and settings are all here; generating needs a connection.", "当前处于离线状态。任务、图片和设置都在；生成图片需要网络连接。";
    MaxInFlight => "Jobs sent at once", "同时提交的任务数";
    MaxInFlightHint => "1 to 8. More jobs wait in line on this device.", "1 到 8。其余任务在本地排队。";
    NotifyWhenReady => "Notify me when images finish in the background", "图片在后台生成完成时通知我";
    NotifyBlocked => "The browser blocks notifications for this page; allow them in the site settings.", "浏览器阻止了此页面的通知，请在网站设置中允许。";
    NotifyUnsupported => "This browser cannot show notifications.", "此浏览器不支持通知。";
    CheckConnection => "Check connection", "检查连接";
    Checking => "Checking…", "检查中…";
    Connected => "Connected.", "连接成功。";
    Email => "Email", "邮箱";
    Role => "Role", "身份";
    Create => "Create", "创作";
    NeedKey => "Enter your API key in Settings, then press Check connection: the form is built from the server's options.", "请先在设置中填写 API 密钥并点击“检查连接”：表单选项来自服务器配置。";
    LoadingConfig => "Loading the server's options…", "正在加载服务器配置…";
    ConfigFailed => "The server's options could not be loaded, so the form cannot be shown yet.", "无法加载服务器配置，暂时无法显示表单。";
    ConfigNotLoaded => "The server's options are not loaded yet.", "尚未加载服务器配置。";
    LoadConfig => "Load options", "加载配置";
    ServerStatus => "Server:", "服务器状态：";
    Mode => "Mode", "模式";
    TextToImage => "Text to image", "文生图";
    ImageToImage => "Image to image", "图生图";
    ConfigImg2ImgHints => "The server's config mentions these image-to-image options (the API documents no field for them, so they are shown, not sent):", "服务器配置提到了以下图生图选项（API 文档中没有对应字段，因此仅显示、不发送）：";
    SourceImage => "Source image", "参考图片";
    SourceHint => "Pick a file (or take a photo), drop one on the form, or paste one. It is resized here, in the page.", "选择文件（或拍照）、拖放到表单上，或直接粘贴。图片会在页面中调整大小。";
    SourceMissing => "Choose a source image first.", "请先选择参考图片。";
    Fit => "Fit to size", "适应尺寸";
    FitCover => "Crop to fill", "裁剪填满";
    FitContain => "Fit inside (padding)", "完整放入（留边）";
    FitStretch => "Stretch", "拉伸";
    UseSourceAspect => "Use the source's aspect ratio", "使用原图比例";
    ReadingImage => "Reading the image…", "正在读取图片…";
    SourcePreviewAlt => "The source image as it will be sent", "将要发送的参考图片";
    SourceReduced => "Compressed further to stay under 4 MB.", "为保持在 4 MB 以内已进一步压缩。";
    SourceAlphaDropped => "Sent as JPEG: as PNG it was over 4 MB, so transparency was dropped.", "以 JPEG 发送：PNG 超过 4 MB，透明部分已去除。";
    RemoveSource => "Remove the source image", "移除参考图片";
    SourceLost => "The source image is not kept across reloads: choose it again.", "参考图片不会在刷新后保留，请重新选择。";
    ImportOffer => "This looks like generation parameters (AUTOMATIC1111 style). Fill the form's fields from it?", "这看起来是生成参数（AUTOMATIC1111 格式）。要用它填写表单吗？";
    ImportFill => "Fill the fields", "填写表单";
    Dismiss => "Dismiss", "忽略";
    ImportDone => "Filled from the pasted parameters:", "已根据粘贴的参数填写：";
    Prompt => "Prompt", "提示词";
    NegativePrompt => "Negative prompt", "反向提示词";
    Model => "Model", "模型";
    Sampler => "Sampler", "采样器";
    Size => "Size", "尺寸";
    CustomSize => "Custom…", "自定义…";
    Width => "Width", "宽度";
    Height => "Height", "高度";
    Steps => "Steps", "步数";
    Cfg => "CFG scale", "CFG 强度";
    Seed => "Seed", "种子";
    RandomSeed => "Random seed for each image", "每张图片使用随机种子";
    Batch => "Number of images", "生成数量";
    Loras => "LoRAs", "LoRA";
    Parameters => "Parameters", "参数";
    NoLoras => "The server offers no LoRAs.", "服务器没有提供 LoRA。";
    LoraToAdd => "LoRA to add", "选择 LoRA";
    AddLora => "Add LoRA", "添加 LoRA";
    WeightPercent => "weight (%)", "权重（%）";
    Remove => "Remove", "移除";
    Generate => "Generate", "生成";
    FixFields => "Fix the marked fields; nothing was sent.", "请修正标出的项目；尚未提交。";
    Queued => "Jobs added:", "已添加任务：";
    Jobs => "Jobs", "任务";
    NothingInProgress => "Nothing in progress. Finished pictures are in the gallery.", "没有进行中的任务。完成的图片在图库中。";
    NoJobs => "No jobs yet. Fill in the form and press Generate.", "还没有任务。填写表单后点击“生成”。";
    GeneratedImage => "Generated image", "生成的图片";
    Retrying => "Retrying:", "正在重试：";
    CheckingReceived => "No answer from the server; checking whether it received the job…", "服务器没有回应，正在确认是否已收到任务…";
    ImageActions => "Image actions", "图片操作";
    Download => "Download", "下载";
    Downloaded => "Saved as a file.", "已保存为文件。";
    PictureUnavailable => "Picture unavailable", "图片无法显示";
    KeepCopy => "Keep a copy on this device", "在此设备保存副本";
    DropCopy => "Remove the copy from this device", "删除此设备上的副本";
    Keeping => "Keeping a copy…", "正在保存副本…";
    Kept => "A copy is kept on this device.", "已在此设备保存副本。";
    KeepNew => "Keep a copy of every new picture on this device", "在此设备保存每张新图片的副本";
    KeepNewHint => "Kept pictures still show when the image host has deleted them, and offline. They use this device's storage.", "保存的副本在图片服务器删除图片后或离线时仍可显示，会占用此设备的存储空间。";
    KeptSummary => "Pictures kept: {0}. This site uses {1} of the {2} the browser allows it.", "已保存 {0} 张图片。本站已用 {1}，浏览器允许本站使用 {2}。";
    KeptCount => "Pictures kept: {0}.", "已保存 {0} 张图片。";
    CopyDropped => "The copy on this device was removed.", "已删除此设备上的副本。";
    KeepUnreadable => "Could not keep a copy: the image host does not let this page read the picture (CORS), or did not answer.", "无法保存副本：图片服务器不允许本页面读取图片（CORS），或没有回应。";
    KeepFull => "Could not keep a copy: the browser's storage is full.", "无法保存副本：浏览器存储空间已满。";
    KeepNoArchive => "Could not keep a copy: this browser cannot save data right now (private mode?).", "无法保存副本：浏览器暂时无法保存数据（隐私模式？）。";
    OpenToSave => "The image host does not allow direct download (CORS), and the browser blocked opening it: open it from the link below and save it from there.", "图片服务器不允许直接下载（CORS），且浏览器阻止了打开新标签页：请通过下方链接打开图片，再从那里保存。";
    OpenTheImage => "Open the image", "打开图片";
    OpenedInTab => "The image host does not allow direct download (CORS); the image opened in a new tab, save it from there.", "图片服务器不允许直接下载（CORS），已在新标签页打开图片，请从那里保存。";
    Favourite => "Favourite", "收藏";
    Favourited => "★ Favourite", "★ 已收藏";
    ReuseSeed => "Reuse seed", "复用种子";
    SeedReused => "The seed is in the form.", "种子已填入表单。";
    Variations => "Variations", "生成变体";
    VariationsQueued => "Four variations (same settings, new seeds) were added to Jobs.", "已添加四个变体（相同参数、新种子）到任务。";
    UseAsSource => "Use as source", "用作参考图";
    CopyImageUrl => "Copy image URL", "复制图片地址";
    CopyParameters => "Copy parameters", "复制参数";
    CopyShareLink => "Copy share link", "复制分享链接";
    Copied => "Copied.", "已复制。";
    CopyFailed => "Could not copy: the browser refused access to the clipboard.", "复制失败：浏览器拒绝访问剪贴板。";
    SharedFilled => "Settings from a shared link are in the form: check them, then press Generate.", "已将分享链接中的参数填入表单：请检查后点击“生成”。";
    Cancel => "Cancel", "取消";
    Retry => "Retry", "重试";
    CheckAgain => "Check again", "再次查询";
    SendAgain => "Send again", "重新发送";
    SendAgainCost => "Sends a new request: it uses credit again.", "将作为新请求发送，会再次消耗额度。";
    PausedNeedsKey => "Paused: enter your API key in Settings; it continues by itself.", "已暂停：请在设置中填写 API 密钥，之后会自动继续。";
    PausedKeyRefused => "Paused: the server refused the API key. Enter a working key in Settings; it continues by itself.", "已暂停：服务器拒绝了 API 密钥。请在设置中填写有效的密钥，之后会自动继续。";
    PausedOffline => "Waiting for the network; it continues by itself.", "等待网络连接，恢复后会自动继续。";
    StorageFull => "Browser storage is full: new jobs and changes are kept until this page closes; what is stored is safe. Remove old jobs to make room.", "浏览器存储空间已满：新任务和更改会保留到关闭此页面为止，已保存的内容不受影响。删除旧任务可腾出空间。";
    StorageUnreadable => "{0} stored jobs were saved by a newer version of Kamiya Studio: they are kept, but not shown here.", "有 {0} 个已保存的任务来自更新版本的 Kamiya Studio：它们会被保留，但不在此显示。";
    StorageSuperseded => "A newer version of Kamiya Studio was opened in another tab. Reload this page to keep saving jobs.", "另一个标签页打开了更新版本的 Kamiya Studio。请刷新此页面以继续保存任务。";
    ReuseSettings => "Reuse settings", "复用参数";
    Done => "Done", "已完成";
    UnsafeUrl => "Unsafe image address", "图片地址不安全";
    Gallery => "Gallery", "图库";
    Views => "Views", "视图";
    ViewCreate => "Create", "创作";
    ViewPictures => "Pictures", "图片";
    OlderInGallery => "older finished jobs are in the Gallery.", "个更早的已完成任务在图库中。";
    FavouritesOnly => "Favourites only", "只看收藏";
    ShowMore => "Show more", "显示更多";
    FindPictures => "Find pictures", "查找图片";
    SearchPrompts => "Search prompts", "搜索提示词";
    ShowModel => "Show the model", "筛选模型";
    ShowMode => "Show the mode", "筛选模式";
    AllModels => "All models", "全部模型";
    AllModes => "Both modes", "全部模式";
    When => "When", "时间";
    AnyTime => "Any time", "全部时间";
    Today => "Today", "今天";
    ThisWeek => "Last 7 days", "最近 7 天";
    Order => "Order", "排序";
    NewestFirst => "Newest first", "最新在前";
    OldestFirst => "Oldest first", "最早在前";
    Select => "Select", "选择";
    PictureCount => "{0} pictures", "{0} 张图片";
    OnePicture => "1 picture", "1 张图片";
    MatchCount => "{0} of {1} pictures match", "{1} 张图片中有 {0} 张符合";
    NoMatches => "No picture matches.", "没有符合条件的图片。";
    RemovedCount => "{0} pictures removed.", "已删除 {0} 张图片。";
    RemovedOne => "1 picture removed.", "已删除 1 张图片。";
    Undo => "Undo", "撤销";
    SelectPicture => "Select", "选择";
    Made => "Made", "生成时间";
    JustFinished => "New", "新";
    MoreActions => "More actions", "更多操作";
    Selection => "Selected pictures", "已选图片";
    SelectedCount => "{0} selected", "已选 {0} 张";
    SelectAll => "Select all matches", "全选符合条件的图片";
    DownloadZip => "Download as ZIP", "打包下载（ZIP）";
    DoneSelecting => "Done", "完成";
    Packing => "Packing {0} of {1}…", "正在打包 {0} / {1}…";
    ZipSaved => "Saved as one ZIP file.", "已保存为一个 ZIP 文件。";
    ZipFailed => "The ZIP file could not be made.", "无法生成 ZIP 文件。";
    ZipUnreadable => "The image host does not let this page read the pictures (CORS), so they cannot be packed: download them one by one (they open in a new tab), or keep copies through a proxy.", "图片服务器不允许本页面读取图片（CORS），无法打包：请逐张下载（会在新标签页打开），或通过代理保存副本。";
    GalleryEmpty => "Finished pictures appear here.", "生成完成的图片会显示在这里。";
    OpenImage => "Open image", "查看图片";
    ImageViewer => "Image viewer", "图片查看器";
    Previous => "Previous", "上一张";
    Next => "Next", "下一张";
    Close => "Close", "关闭";
    History => "History", "历史记录";
    LoadHistory => "Load history", "加载历史记录";
    RefreshHistory => "Refresh history", "刷新历史记录";
    HistoryEmpty => "No past jobs on this account.", "此账户还没有历史任务。";
    LoadMore => "Load more", "加载更多";
    Loading => "Loading…", "加载中…";
    Inactive => " (inactive)", "（未激活）";
    CheckSteps => "Connection check", "连接检查";
    StepOnline => "This device is online", "本设备已联网";
    StepAddress => "The address can be called from this page", "此页面可以访问该地址";
    StepReach => "The server answers", "服务器有回应";
    StepOrigin => "It lets this page read its answers (CORS)", "允许此页面读取回应（CORS）";
    StepApi => "It answers as the Kamiya API", "回应来自 Kamiya API";
    StepKey => "It accepts the key", "密钥被接受";
    MarkPassed => "passed", "通过";
    MarkFailed => "failed", "失败";
    MarkRunning => "checking", "检查中";
    MarkWaiting => "not checked", "未检查";
    ProxyGuide => "How to set up a proxy (Behind a proxy)", "如何设置代理（Behind a proxy）";
    Credit => "Credit", "余额";
    CreditBalance => "Credit {0}", "余额 {0}";
    CreditUnknown => "Credit unknown", "余额未知";
    SessionSpent => "spent this session {0}", "本次已用 {0}";
    JobCostOwn => "Cost {0}", "花费 {0}";
    JobCostTogether => "Cost {0} for the {1} jobs that ran together", "与同时进行的 {1} 个任务合计花费 {0}";
    JobCostUnknown => "Cost unknown", "花费未知";
    ExpectedCost => "Expected cost: about {0} ({1} × {2})", "预计花费：约 {0}（{1} × {2}）";
    ExpectedCostUnknown => "Cost not known yet for this model, size and steps.", "尚不知道此模型、尺寸和步数的花费。";
    OverBalance => "This batch is expected to cost about {0}, more than your balance ({1}). Send it anyway?", "这批任务预计花费约 {0}，超过了你的余额（{1}）。仍要发送吗？";
    NoBalanceLeft => "Your balance is {0}. Send anyway?", "你的余额为 {0}。仍要发送吗？";
    SendAnyway => "Send anyway", "仍然发送";
    DontSend => "Don't send", "不发送";
    ImageReady => "Kamiya Studio: image ready", "Kamiya Studio：图片已生成";

    // What `ui::words` makes of typed reasons and states. `{0}`, `{1}`…
    // are the values (see `T::fill`).
    ServerSaid => "The server said: “{0}”", "服务器说：“{0}”";
    NetworkFailed => "Could not reach the API server (offline, wrong address, or blocked by the browser's cross-origin (CORS) rules). Check your connection and the API base URL setting; if you use a proxy, enter its address there. “Check connection” in Settings tells which.", "无法连接到 API 服务器（网络断开、地址错误，或被浏览器的跨域（CORS）策略拦截）。请检查网络和“API 地址”设置；如需代理，请在设置中填写代理地址。设置中的“检查连接”可以找出具体原因。";
    NoAnswerWithin => "The server did not answer within {0} s. Try again in a moment.", "服务器在 {0} 秒内没有回应，请稍后重试。";
    KeyRefused => "The API key was refused: check the key in Settings.", "API 密钥无效或已过期：请在设置中检查密钥。";
    TooManyRequests => "Too many requests: wait a little and try again.", "请求太频繁，请稍后再试。";
    ServerFault => "The server had a problem (HTTP {0}). Try again later.", "服务器出错（HTTP {0}），请稍后重试。";
    RequestRefused => "The request was refused (HTTP {0}).", "请求被拒绝（HTTP {0}）。";
    ApiStatus => "The API answered with an error (status {0}).", "API 返回错误（状态 {0}）。";
    Malformed => "The server's answer could not be understood (a proxy or server fault?). Try again later.", "服务器的回应无法识别（可能是代理或服务器故障），请稍后重试。";
    CheckSettings => "Check your settings: {0}", "设置有误：{0}";
    CauseOffline => "This device is offline. Connect to the internet, then check again.", "本设备未联网。请连接网络后再检查。";
    CauseMixedContent => "This page ({0}) is served over https, so the browser blocks its calls to an http:// API ({1}) (mixed content). Use the API's https:// address, or a proxy with https in front of it.", "此页面（{0}）使用 https，浏览器会阻止它访问 http:// 的 API（{1}）（混合内容）。请使用 API 的 https:// 地址，或在前面放一个支持 https 的代理。";
    CausePagePolicy => "This page may call only https:// addresses and this computer's own (its security policy); {0} is http://. Use the API's https:// address, or a proxy with https.", "此页面的安全策略只允许访问 https:// 地址和本机地址；{0} 是 http:// 地址。请使用 API 的 https:// 地址，或支持 https 的代理。";
    CauseUnreachable => "Could not reach the API server at {0}: nothing answers there (wrong address, unknown host name, or the connection was refused). Check the API base URL and your connection.", "无法连接到 {0} 的 API 服务器：该地址没有回应（地址错误、域名无法解析，或连接被拒绝）。请检查“API 地址”和网络连接。";
    CauseTimedOut => "The server at {0} did not answer within {1} s. Try again in a moment; if it keeps happening, check the address.", "{0} 的服务器在 {1} 秒内没有回应。请稍后重试；如果一直如此，请检查地址。";
    CauseCors => "The server at {1} answers, but does not allow this page ({0}) to read its answers (CORS). Use a proxy that allows {0}: see “Behind a proxy” in Kamiya Studio's guide. If {1} is your own kamiya-proxy, start it with --allow-origin {0}.", "{1} 的服务器有回应，但不允许此页面（{0}）读取回应（CORS 跨域限制）。请使用允许 {0} 的代理：参见 Kamiya Studio 说明中的“Behind a proxy”一节。如果 {1} 是你自己的 kamiya-proxy，请用 --allow-origin {0} 启动它。";
    CauseCorsWithKey => "The server at {1} answers, but refuses requests that carry the API key from this page ({0}): its CORS preflight does not allow the Authorization header. Use a proxy that allows {0}: see “Behind a proxy” in Kamiya Studio's guide.", "{1} 的服务器有回应，但拒绝此页面（{0}）带 API 密钥的请求：它的 CORS 预检不允许 Authorization 头。请使用允许 {0} 的代理：参见 Kamiya Studio 说明中的“Behind a proxy”一节。";
    CauseNotApiPage => "{0} answers with a web page, not as the Kamiya API. Check the API base URL: the API's address (https://p0.kamiya.dev) or your proxy's.", "{0} 返回的是网页，而不是 Kamiya API。请检查“API 地址”：应为 API 的地址（https://p0.kamiya.dev）或你的代理地址。";
    CauseNotApiNotFound => "{0} answers, but has no Kamiya API at /api/checkNetwork (HTTP 404). Check the API base URL (nothing after the host, or your proxy's own path).", "{0} 有回应，但 /api/checkNetwork 不存在（HTTP 404），它不是 Kamiya API。请检查“API 地址”（主机名后不要多余的路径，代理除外）。";
    CauseNotApiJson => "{0} answers, but not as the Kamiya API (its answer is not the API's JSON). Check the API base URL.", "{0} 有回应，但不是 Kamiya API 的格式。请检查“API 地址”。";
    CauseGateway => "The server at {0} answered HTTP {1}: a gateway or proxy that could not reach the API behind it. Try again later; if it is your proxy, check its upstream.", "{0} 返回 HTTP {1}：这是一个无法连接到后方 API 的网关或代理。请稍后重试；如果这是你的代理，请检查它的上游设置。";
    CauseKeyMissing => "Enter your API key, then check again.", "请填写 API 密钥后再检查。";
    CauseKeyNotReceived => "The server answered exactly as it does when no key is sent: the key did not reach it. A proxy between this page and the API may be dropping the Authorization header (kamiya-proxy forwards it); without a proxy, check the key.", "服务器的回应与未发送密钥时完全相同：密钥没有送达。此页面与 API 之间的代理可能丢弃了 Authorization 头（kamiya-proxy 会转发它）；如未使用代理，请检查密钥。";
    // Shown in English in both languages since the first version; kept so.
    BaseUrlEmpty => "the API base URL is empty", "the API base URL is empty";
    BaseUrlNotHttp => "the API base URL must start with http:// or https://", "the API base URL must start with http:// or https://";
    BaseUrlCredentials => "the API base URL must not contain a user name or password", "the API base URL must not contain a user name or password";
    BaseUrlQuery => "the API base URL must not contain ? or #", "the API base URL must not contain ? or #";
    FilledPrompts => "prompts", "prompts";
    FilledNegative => "negative", "negative";
    FilledSteps => "steps", "steps";
    FilledSampler => "sampler", "sampler";
    FilledCfg => "cfg", "cfg";
    FilledSeed => "seed", "seed";
    FilledSize => "size", "size";
    FilledModel => "model", "model";
    FilledLoras => "loras", "loras";
    SettingsUnusable => "the browser cannot make a request to this API base URL", "浏览器无法向此 API 地址发出请求";
    WaitingToBeSent => "Waiting to be sent", "排队中（本地）";
    Submitting => "Submitting…", "提交中…";
    Accepted => "Accepted, waiting", "已提交，等待生成";
    InProgress => "In progress ({0})", "生成中（{0}）";
    TookTooLong => "Took too long; stopped checking. It may still appear in History later.", "等待太久，已停止查询。稍后可在历史记录中查看。";
    Cancelled => "Cancelled", "已取消";
    FailedWith => "Failed ({0})", "失败（{0}）";
    NotSubmitted => "Not submitted: {0}", "提交失败：{0}";
    ServerReportsFailure => "The server reports failure ({0})", "服务器报告失败（{0}）";
    StatusLost => "Could not get the job's status: {0}", "无法获取任务状态：{0}";
    SourceLostNotSent => "Not sent: the source image is not kept across reloads. Choose it again and press Generate.", "参考图片不会在刷新后保留，此任务未提交。请重新选择参考图片后再生成。";
    Interrupted => "The connection broke (or the page closed) before the server answered, and the server's history does not show this job. It was not sent again by itself (so you are not charged twice); use Send again to send it.", "服务器回应前连接中断（或页面被关闭），服务器记录中也找不到此任务。为避免重复扣费，没有自动重新提交；可点击“重新发送”。";
    UnsafeUrlRefused => "The server gave an image address that is not http(s); it was not shown.", "服务器返回的图片地址不安全，已拒绝显示。";
    InLine => "{0}: #{1} in line", "{0}：第 {1} 位";
    TimeLeft => "about {0} left", "预计还需 {0}";
    Required => "Required.", "必填。";
    NotAWholeNumber => "Enter a whole number.", "请输入整数。";
    NotANumber => "Enter a number.", "请输入数字。";
    OutOfRange => "Must be between {0} and {1}.", "应在 {0} 到 {1} 之间。";
    NotMultipleOf8 => "Must be a multiple of 8.", "必须是 8 的倍数。";
    NotOffered => "Not offered by the server's config.", "服务器配置中没有这个选项。";
    AlreadyAdded => "Already added.", "已经添加过了。";
    LinkWithoutParameters => "The link carries no parameters.", "链接中没有参数。";
    LinkTooLong => "The link is too long (over {0} KB).", "链接过长（超过 {0} KB）。";
    LinkDamaged => "The link's parameters are damaged or were not made by Kamiya Studio.", "链接中的参数已损坏，或不是由 Kamiya Studio 生成的。";
    LinkVersion => "The link uses format version {0}, which this version of Kamiya Studio does not know.", "不支持此链接的格式版本（{0}），它可能来自更新版本的 Kamiya Studio。";
    LinkFieldInvalid => "The link's {0} is missing or out of range.", "链接中的{0}缺失或超出范围。";
    LinkPrompt => "prompt", "提示词";
    LinkNegative => "negative prompt", "反向提示词";
    LinkSteps => "steps", "步数";
    LinkCfg => "CFG scale", "CFG 值";
    LinkSeed => "seed", "种子";
    LinkSampler => "sampler", "采样器";
    LinkWidth => "width", "宽度";
    LinkHeight => "height", "高度";
    LinkModel => "model", "模型";
    LinkLoras => "LoRA list", "LoRA 列表";
    NotAnImage => "That is not an image. Choose a JPEG, PNG, WebP or GIF picture.", "这不是图片文件。请选择 JPEG、PNG、WebP 或 GIF 图片。";
    ImageBroken => "The picture could not be decoded (a damaged file, or a format this browser cannot read).", "图片无法解码（文件损坏或格式不受支持）。";
    FileTooLarge => "The file is too large (over 60 MB).", "文件太大（超过 60 MB）。";
    ImageEmpty => "The image is empty (its width or height is 0).", "图片为空（宽或高为 0）。";
    ImageTooManyPixels => "The image is {0}×{1} ({2} megapixels); the limit is {3} megapixels.", "图片为 {0}×{1}（{2} 百万像素），超过了 {3} 百万像素的上限。";
    TooLargeToSend => "Even compressed it is {0} MB, over the 4 MB limit. Choose a smaller size.", "即使压缩后仍有 {0} MB，超过 4 MB 的上限。请选择更小的尺寸。";
    CannotFetchImage => "Could not read that picture: its server does not let this page read it (CORS). Download it, then choose the file.", "无法读取这张图片：图片服务器不允许本页面读取（CORS）。请下载后再选择该文件。";
    TagSuggestions => "Tag suggestions", "标签建议";
    TagsUnavailable => "Tag suggestions are off: the tag list did not load. The field works as usual.", "标签建议已关闭：标签列表未能加载。输入框照常可用。";
    TagGeneral => "general", "常规";
    TagArtist => "artist", "画师";
    TagCopyright => "copyright", "作品";
    TagCharacter => "character", "角色";
    TagMeta => "meta", "元数据";
    TagPosts => "{0} posts", "{0} 个作品";
    PromptHint => "Type tags separated by commas; Chinese works too. Ctrl+↑/↓ weighs the tag at the cursor.", "用逗号分隔标签，也可以输入中文。Ctrl+↑/↓ 调整光标处标签的权重。";
    Styles => "Styles", "风格";
    Style => "Style", "风格";
    BuiltInStyles => "Built in", "内置";
    YourStyles => "Yours", "我的";
    StyleQuality => "Quality tags", "画质标签";
    StyleCommonNegative => "Common negative prompt", "常用反向提示词";
    StyleSoft => "Soft light", "柔和光线";
    ApplyStyle => "Apply", "应用";
    InsertStyle => "Insert", "插入";
    RenameStyle => "Rename", "重命名";
    DeleteStyle => "Delete", "删除";
    StyleName => "Style name", "风格名称";
    SaveStyle => "Save the form as a style", "将表单保存为风格";
    ExportStyles => "Export", "导出";
    ImportStyles => "Import…", "导入…";
    NoStylesYet => "You have no styles of your own yet: name the form's prompt, negative prompt and parameters above to keep them.", "你还没有自己的风格：在上方填写名称，即可保存表单的提示词、反向提示词和参数。";
    StyleSaved => "Saved the style “{0}”.", "已保存风格“{0}”。";
    StyleApplied => "Applied “{0}”.", "已应用“{0}”。";
    StyleInserted => "Inserted “{0}”.", "已插入“{0}”。";
    StyleRenamed => "Renamed to “{0}”.", "已重命名为“{0}”。";
    StyleDeleted => "Deleted “{0}”.", "已删除“{0}”。";
    StylesImported => "Imported {0} styles ({1} replaced one of the same name).", "已导入 {0} 个风格（其中 {1} 个替换了同名风格）。";
    StylesExported => "Exported {0} styles.", "已导出 {0} 个风格。";
    NothingToExport => "There are no styles of your own to export.", "没有可导出的自定义风格。";
    StyleNameEmpty => "Give the style a name.", "请为风格填写名称。";
    StyleNameTooLong => "The name is too long (80 characters at most).", "名称太长（最多 80 个字符）。";
    StyleNameTaken => "A style named “{0}” already exists: choose another name.", "已有名为“{0}”的风格，请换一个名称。";
    StyleNotFound => "That style is no longer there (removed in another tab?).", "该风格已不存在（是否在其他标签页中删除了？）。";
    StyleBuiltInFixed => "Built-in styles cannot be renamed or deleted.", "内置风格不能重命名或删除。";
    StylesNotAFile => "This file is not a Kamiya Studio styles file: nothing was imported.", "此文件不是 Kamiya Studio 的风格文件，未导入任何内容。";
    StylesNewer => "This styles file was made by a newer Kamiya Studio (format version {0}): nothing was imported. Update the app, then try again.", "此风格文件来自更新版本的 Kamiya Studio（格式版本 {0}），未导入任何内容。请更新应用后重试。";
    StylesTooLarge => "This file is too large for a styles file: nothing was imported.", "此文件太大，不像是风格文件，未导入任何内容。";
    StyleBadEntry => "Style {0} in the file cannot be used: {1} Nothing was imported.", "文件中的第 {0} 个风格无法使用：{1}未导入任何内容。";
    StyleTextTooLong => "Its prompt is too long (20,000 characters at most).", "提示词太长（最多 20,000 个字符）。";
    StylesUnreadable => "Could not read that file.", "无法读取该文件。";
    NotKeptStorageFull => "Done in this tab, but not kept: the browser's storage is full or unavailable.", "已在此标签页生效，但未能保存：浏览器存储已满或不可用。";
    RecentPrompts => "Recent prompts", "最近的提示词";
    SearchRecentPrompts => "Search recent prompts", "搜索最近的提示词";
    NoRecentPrompts => "Prompts you send appear here (the last 100).", "发送过的提示词会显示在这里（最近 100 条）。";
    NoRecentMatch => "No recent prompt matches.", "没有匹配的提示词。";
    UsePrompt => "Use this prompt", "使用此提示词";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag("zh-Hant-TW"), Lang::Zh);
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
    }

    #[test]
    fn both_languages_have_text() {
        for t in [T::Generate, T::ApiKey, T::Loading] {
            assert!(!t.get(Lang::En).is_empty() && !t.get(Lang::Zh).is_empty());
            assert_ne!(t.get(Lang::En), t.get(Lang::Zh));
        }
    }

    /// The placeholders of a template, in order of appearance.
    fn slots(text: &str) -> Vec<String> {
        let mut found: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}'))
            .map(|(n, _)| n.to_string())
            .filter(|n| n.parse::<usize>().is_ok())
            .collect();
        found.sort();
        found
    }

    #[test]
    fn both_languages_take_the_same_values() {
        for t in ALL {
            assert_eq!(slots(t.get(Lang::En)), slots(t.get(Lang::Zh)), "{t:?}");
            assert!(!t.get(Lang::En).is_empty() && !t.get(Lang::Zh).is_empty());
        }
    }

    #[test]
    fn templates_are_filled_by_number() {
        assert_eq!(fill_in("{1} of {0}", &[&"a", &2]), "2 of a");
        assert_eq!(fill_in("no values", &[&1]), "no values");
        assert_eq!(fill_in("{0}{0}", &[&'x']), "xx");
        // Braces that are not placeholders stay, and so do missing values.
        assert_eq!(fill_in("{a} {2} {", &[&1]), "{a} {2} {");
        // A value is never read as a template itself.
        assert_eq!(fill_in("“{0}”", &[&"{0}{1}"]), "“{0}{1}”");
        assert_eq!(fill_in("{0}", &[&format!("{:.1}", 143.99)]), "144.0");
    }
}
