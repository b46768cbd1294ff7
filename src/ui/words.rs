//! Turns typed reasons and states into sentences: `api`, `domain` and
//! `state` say what happened, and this is the one place that words it.
//! Every word comes from [`T`]; values go into its templates with
//! [`T::fill`]. No browser calls here, so the tests run natively.

use crate::api::{ApiError, BaseUrlProblem, SettingProblem};
use crate::domain::a1111::Filled;
use crate::domain::connection::{Cause, Mark, NotApi, Step};
use crate::domain::credit::JobCost;
use crate::domain::decimal::fixed;
use crate::domain::fit::{SourceProblem, MAX_SOURCE_PIXELS};
use crate::domain::job::{FailReason, JobState, Progress};
use crate::domain::params::{trim_float, Problem};
use crate::domain::share::{ShareError, ShareField, MAX_FRAGMENT_LEN};
use crate::domain::styles::{BuiltIn, StyleError};
use crate::domain::tags::Category;
use crate::i18n::{Lang, T};
use crate::state::source::SourceError;

/// A reason or a state, as a sentence in the user's language.
pub trait Describe {
    fn describe(&self, lang: Lang) -> String;
}

impl Describe for ApiError {
    fn describe(&self, lang: Lang) -> String {
        match self {
            ApiError::Network(_) => T::NetworkFailed.get(lang).into(),
            ApiError::Timeout(secs) => T::NoAnswerWithin.fill(lang, &[secs]),
            ApiError::Unauthorized(said) => {
                with_server_text(T::KeyRefused.get(lang), said.as_deref(), lang)
            }
            ApiError::Http { status, message } => {
                let head = match *status {
                    429 => T::TooManyRequests.get(lang).into(),
                    s if s >= 500 => T::ServerFault.fill(lang, &[&s]),
                    s => T::RequestRefused.fill(lang, &[&s]),
                };
                with_server_text(&head, message.as_deref(), lang)
            }
            ApiError::Api { status, message } => {
                with_server_text(&T::ApiStatus.fill(lang, &[status]), Some(message), lang)
            }
            ApiError::Malformed(_) => T::Malformed.get(lang).into(),
            ApiError::Setting(problem) => T::CheckSettings.fill(lang, &[&problem.describe(lang)]),
        }
    }
}

/// The sentence, then the server's own message if it sent one: quoted as
/// it came, because it is often Chinese and the most precise clue.
fn with_server_text(head: &str, said: Option<&str>, lang: Lang) -> String {
    match said.map(str::trim) {
        Some(said) if !said.is_empty() => {
            format!("{head} {}", T::ServerSaid.fill(lang, &[&said]))
        }
        _ => head.to_string(),
    }
}

impl Describe for SettingProblem {
    fn describe(&self, lang: Lang) -> String {
        match self {
            SettingProblem::BaseUrl(problem) => problem.describe(lang),
            SettingProblem::Unusable(_) => T::SettingsUnusable.get(lang).into(),
        }
    }
}

impl Describe for BaseUrlProblem {
    fn describe(&self, lang: Lang) -> String {
        match self {
            BaseUrlProblem::Empty => T::BaseUrlEmpty,
            BaseUrlProblem::NotHttp => T::BaseUrlNotHttp,
            BaseUrlProblem::Credentials => T::BaseUrlCredentials,
            BaseUrlProblem::QueryOrFragment => T::BaseUrlQuery,
        }
        .get(lang)
        .into()
    }
}

/// What "Check connection" found, with the fix.
impl Describe for Cause {
    fn describe(&self, lang: Lang) -> String {
        match self {
            Cause::Offline => T::CauseOffline.get(lang).into(),
            Cause::Setting(problem) => T::CheckSettings.fill(lang, &[&problem.describe(lang)]),
            Cause::MixedContent { page, api } => T::CauseMixedContent.fill(lang, &[page, api]),
            Cause::PagePolicy { api } => T::CausePagePolicy.fill(lang, &[api]),
            Cause::Unreachable { api } => T::CauseUnreachable.fill(lang, &[api]),
            Cause::TimedOut { api, secs } => T::CauseTimedOut.fill(lang, &[api, secs]),
            Cause::Cors {
                page,
                api,
                with_key,
            } => if *with_key {
                T::CauseCorsWithKey
            } else {
                T::CauseCors
            }
            .fill(lang, &[page, api]),
            Cause::NotTheApi { api, seen } => match seen {
                NotApi::Page => T::CauseNotApiPage,
                NotApi::NotFound => T::CauseNotApiNotFound,
                NotApi::NotJson => T::CauseNotApiJson,
            }
            .fill(lang, &[api]),
            Cause::Gateway { api, status, said } => with_server_text(
                &T::CauseGateway.fill(lang, &[api, status]),
                said.as_deref(),
                lang,
            ),
            Cause::KeyMissing => T::CauseKeyMissing.get(lang).into(),
            Cause::KeyNotReceived { said } => {
                with_server_text(T::CauseKeyNotReceived.get(lang), said.as_deref(), lang)
            }
            Cause::KeyRefused { said } => {
                with_server_text(T::KeyRefused.get(lang), said.as_deref(), lang)
            }
            Cause::Other(e) => e.describe(lang),
        }
    }
}

/// A step of the connection checklist.
pub fn step(step: Step) -> T {
    match step {
        Step::Online => T::StepOnline,
        Step::Address => T::StepAddress,
        Step::Reach => T::StepReach,
        Step::Origin => T::StepOrigin,
        Step::Api => T::StepApi,
        Step::Key => T::StepKey,
    }
}

/// How a step went, for screen readers (the list shows a symbol).
pub fn mark(mark: Mark) -> (&'static str, T) {
    match mark {
        Mark::Passed => ("✓", T::MarkPassed),
        Mark::Failed => ("✗", T::MarkFailed),
        Mark::Running => ("…", T::MarkRunning),
        Mark::Waiting => ("·", T::MarkWaiting),
    }
}

/// A finished job's cost; `None` while it is not known yet.
pub fn job_cost(cost: &JobCost, lang: Lang) -> Option<String> {
    match cost {
        JobCost::Pending => None,
        JobCost::Own(c) => Some(T::JobCostOwn.fill(lang, &[&format_credit(*c)])),
        JobCost::Together { total, jobs } => {
            Some(T::JobCostTogether.fill(lang, &[&format_credit(*total), jobs]))
        }
        JobCost::Unknown => Some(T::JobCostUnknown.get(lang).into()),
    }
}

/// The header's line: the balance, and what this session spent.
pub fn balance_line(balance: Option<f64>, spent: Option<f64>, lang: Lang) -> String {
    let head = match balance {
        Some(b) => T::CreditBalance.fill(lang, &[&format_credit(b)]),
        None => T::CreditUnknown.get(lang).into(),
    };
    match spent {
        Some(s) => format!(
            "{head} · {}",
            T::SessionSpent.fill(lang, &[&format_credit(s)])
        ),
        None => head,
    }
}

/// What a batch should cost, from recent pictures like these.
pub fn expected_cost(per_picture: Option<f64>, count: u32, lang: Lang) -> String {
    match per_picture {
        Some(each) => T::ExpectedCost.fill(
            lang,
            &[
                &format_credit(each * f64::from(count)),
                &count,
                &format_credit(each),
            ],
        ),
        None => T::ExpectedCostUnknown.get(lang).into(),
    }
}

impl Describe for JobState {
    fn describe(&self, lang: Lang) -> String {
        match self {
            JobState::Queued => T::WaitingToBeSent.get(lang).into(),
            JobState::Submitting => T::Submitting.get(lang).into(),
            JobState::Created => T::Accepted.get(lang).into(),
            JobState::Running(status) => T::InProgress.fill(lang, &[status]),
            JobState::Generated => T::Done.get(lang).into(),
            JobState::Failed(reason) => reason.describe(lang),
            JobState::TimedOut => T::TookTooLong.get(lang).into(),
            JobState::Cancelled => T::Cancelled.get(lang).into(),
        }
    }
}

impl Describe for FailReason {
    fn describe(&self, lang: Lang) -> String {
        match self {
            FailReason::Rejected(e) => T::NotSubmitted.fill(lang, &[&e.describe(lang)]),
            FailReason::ServerStatus(status) => T::ServerReportsFailure.fill(lang, &[status]),
            FailReason::Lost(e) => T::StatusLost.fill(lang, &[&e.describe(lang)]),
            FailReason::SourceLost => T::SourceLostNotSent.get(lang).into(),
            FailReason::Interrupted => T::Interrupted.get(lang).into(),
            FailReason::UnsafeUrl => T::UnsafeUrlRefused.get(lang).into(),
        }
    }
}

/// A job in the server's history, by what its record says.
impl Describe for Progress {
    fn describe(&self, lang: Lang) -> String {
        match self {
            Progress::Done(_) => T::Done.get(lang).into(),
            Progress::Pending(status) => T::InProgress.fill(lang, &[status]),
            Progress::Failed(status) => T::FailedWith.fill(lang, &[status]),
            Progress::UnsafeUrl => T::UnsafeUrl.get(lang).into(),
        }
    }
}

impl Describe for Problem {
    fn describe(&self, lang: Lang) -> String {
        match self {
            Problem::Required => T::Required.get(lang).into(),
            Problem::NotAWholeNumber => T::NotAWholeNumber.get(lang).into(),
            Problem::NotANumber => T::NotANumber.get(lang).into(),
            Problem::OutOfRange { min, max } => {
                T::OutOfRange.fill(lang, &[&trim_float(*min), &trim_float(*max)])
            }
            Problem::NotMultipleOf8 => T::NotMultipleOf8.get(lang).into(),
            Problem::UnknownChoice => T::NotOffered.get(lang).into(),
            Problem::Duplicate => T::AlreadyAdded.get(lang).into(),
        }
    }
}

impl Describe for ShareError {
    fn describe(&self, lang: Lang) -> String {
        match self {
            ShareError::NoParameters => T::LinkWithoutParameters.get(lang).into(),
            ShareError::TooLarge => T::LinkTooLong.fill(lang, &[&(MAX_FRAGMENT_LEN / 1024)]),
            ShareError::Malformed => T::LinkDamaged.get(lang).into(),
            ShareError::UnsupportedVersion(v) => T::LinkVersion.fill(lang, &[v]),
            ShareError::Invalid { field } => {
                T::LinkFieldInvalid.fill(lang, &[&link_field(*field).get(lang)])
            }
        }
    }
}

fn link_field(field: ShareField) -> T {
    match field {
        ShareField::Prompts => T::LinkPrompt,
        ShareField::Negative => T::LinkNegative,
        ShareField::Steps => T::LinkSteps,
        ShareField::Cfg => T::LinkCfg,
        ShareField::Seed => T::LinkSeed,
        ShareField::Sampler => T::LinkSampler,
        ShareField::Width => T::LinkWidth,
        ShareField::Height => T::LinkHeight,
        ShareField::Model => T::LinkModel,
        ShareField::Loras => T::LinkLoras,
    }
}

/// The name of a part of the form that pasted parameters filled.
pub fn filled(part: Filled) -> T {
    match part {
        Filled::Prompts => T::FilledPrompts,
        Filled::Negative => T::FilledNegative,
        Filled::Steps => T::FilledSteps,
        Filled::Sampler => T::FilledSampler,
        Filled::Cfg => T::FilledCfg,
        Filled::Seed => T::FilledSeed,
        Filled::Size => T::FilledSize,
        Filled::Model => T::FilledModel,
        Filled::Loras => T::FilledLoras,
    }
}

impl Describe for SourceProblem {
    fn describe(&self, lang: Lang) -> String {
        match *self {
            SourceProblem::Empty => T::ImageEmpty.get(lang).into(),
            SourceProblem::TooLarge { w, h } => {
                let megapixels = (u64::from(w) * u64::from(h)) as f64 / 1e6;
                T::ImageTooManyPixels.fill(
                    lang,
                    &[
                        &w,
                        &h,
                        &fixed(megapixels, 1),
                        &(MAX_SOURCE_PIXELS / 1_000_000),
                    ],
                )
            }
        }
    }
}

impl Describe for SourceError {
    fn describe(&self, lang: Lang) -> String {
        match self {
            SourceError::NotAnImage => T::NotAnImage.get(lang).into(),
            SourceError::Broken => T::ImageBroken.get(lang).into(),
            SourceError::FileTooLarge => T::FileTooLarge.get(lang).into(),
            SourceError::Dimensions(problem) => problem.describe(lang),
            SourceError::TooLargeToSend(bytes) => {
                let megabytes = *bytes as f64 / 1_048_576.0;
                T::TooLargeToSend.fill(lang, &[&fixed(megabytes, 1)])
            }
            SourceError::CannotFetch => T::CannotFetchImage.get(lang).into(),
        }
    }
}

/// A tag category's label (shown beside its coloured mark).
pub fn tag_category(c: Category) -> T {
    match c {
        Category::General => T::TagGeneral,
        Category::Artist => T::TagArtist,
        Category::Copyright => T::TagCopyright,
        Category::Character => T::TagCharacter,
        Category::Meta => T::TagMeta,
    }
}

pub fn built_in_style(b: BuiltIn) -> T {
    match b {
        BuiltIn::Quality => T::StyleQuality,
        BuiltIn::CommonNegative => T::StyleCommonNegative,
        BuiltIn::Soft => T::StyleSoft,
    }
}

impl Describe for StyleError {
    fn describe(&self, lang: Lang) -> String {
        match self {
            StyleError::EmptyName => T::StyleNameEmpty.get(lang).into(),
            StyleError::NameTooLong => T::StyleNameTooLong.get(lang).into(),
            StyleError::NameTaken(name) => T::StyleNameTaken.fill(lang, &[name]),
            StyleError::NotFound => T::StyleNotFound.get(lang).into(),
            StyleError::NotStyles => T::StylesNotAFile.get(lang).into(),
            StyleError::NewerVersion(v) => T::StylesNewer.fill(lang, &[v]),
            StyleError::TooLarge => T::StylesTooLarge.get(lang).into(),
            StyleError::TextTooLong => T::StyleTextTooLong.get(lang).into(),
            StyleError::BadStyle(at, why) => {
                T::StyleBadEntry.fill(lang, &[at, &why.describe(lang)])
            }
        }
    }
}

/// Formats a credit balance for the language.
pub fn format_credit(credit: f64) -> String {
    let s = crate::domain::decimal::fixed(credit, 2);
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (sign, digits) = int.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", int));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_format_with_grouping() {
        assert_eq!(format_credit(17993.36), "17,993.36");
        assert_eq!(format_credit(0.5), "0.50");
        assert_eq!(format_credit(-1234567.0), "-1,234,567.00");
    }
    use Lang::{En, Zh};

    #[test]
    fn api_errors_quote_the_server_message_and_mention_the_cause() {
        let e = ApiError::Api {
            status: 500,
            message: "服务器繁忙".into(),
        };
        assert_eq!(
            e.describe(En),
            "The API answered with an error (status 500). The server said: “服务器繁忙”"
        );
        assert_eq!(
            e.describe(Zh),
            "API 返回错误（状态 500）。 服务器说：“服务器繁忙”"
        );
        assert!(ApiError::Network("TypeError".into())
            .describe(En)
            .contains("CORS"));
        assert_eq!(
            ApiError::Unauthorized(Some(" 密钥无效 ".into())).describe(En),
            "The API key was refused: check the key in Settings. The server said: “密钥无效”"
        );
        let blank = ApiError::Http {
            status: 500,
            message: Some("  ".into()),
        };
        assert_eq!(
            blank.describe(En),
            "The server had a problem (HTTP 500). Try again later."
        );
        assert_eq!(
            ApiError::Timeout(30).describe(Zh),
            "服务器在 30 秒内没有回应，请稍后重试。"
        );
    }

    #[test]
    fn http_statuses_are_told_apart() {
        let http = |status| ApiError::Http {
            status,
            message: Some("busy".into()),
        };
        assert_eq!(
            http(429).describe(En),
            "Too many requests: wait a little and try again. The server said: “busy”"
        );
        assert_eq!(
            http(503).describe(Zh),
            "服务器出错（HTTP 503），请稍后重试。 服务器说：“busy”"
        );
        assert_eq!(
            http(404).describe(En),
            "The request was refused (HTTP 404). The server said: “busy”"
        );
    }

    #[test]
    fn setting_problems_name_what_to_fix() {
        let setting = |p| ApiError::Setting(SettingProblem::BaseUrl(p));
        assert_eq!(
            setting(BaseUrlProblem::QueryOrFragment).describe(En),
            "Check your settings: the API base URL must not contain ? or #"
        );
        assert_eq!(
            setting(BaseUrlProblem::Empty).describe(Zh),
            "设置有误：the API base URL is empty"
        );
        // The browser's own words stay out of the sentence.
        let unusable = ApiError::Setting(SettingProblem::Unusable("JsError(x)".into()));
        for lang in [En, Zh] {
            assert!(!unusable.describe(lang).contains("JsError"));
        }
    }

    #[test]
    fn every_cause_of_a_failed_check_in_both_languages() {
        let page = "https://you.github.io".to_string();
        let api = "https://p0.kamiya.dev".to_string();
        let causes = [
            Cause::Offline,
            Cause::MixedContent {
                page: page.clone(),
                api: "http://kamiya.example".into(),
            },
            Cause::PagePolicy {
                api: "http://192.168.1.5:8787".into(),
            },
            Cause::Unreachable { api: api.clone() },
            Cause::TimedOut {
                api: api.clone(),
                secs: 30,
            },
            Cause::Cors {
                page: page.clone(),
                api: api.clone(),
                with_key: false,
            },
            Cause::Cors {
                page: page.clone(),
                api: api.clone(),
                with_key: true,
            },
            Cause::NotTheApi {
                api: page.clone(),
                seen: NotApi::Page,
            },
            Cause::NotTheApi {
                api: page.clone(),
                seen: NotApi::NotFound,
            },
            Cause::NotTheApi {
                api: page.clone(),
                seen: NotApi::NotJson,
            },
            Cause::Gateway {
                api: "https://proxy.example".into(),
                status: 502,
                said: Some("kamiya-proxy: the API at https://p0.kamiya.dev did not answer (cannot connect)".into()),
            },
            Cause::KeyMissing,
            Cause::KeyNotReceived {
                said: Some("未授权：未提供 API 密钥".into()),
            },
            Cause::KeyRefused {
                said: Some("未授权：API 密钥无效".into()),
            },
        ];
        for cause in &causes {
            let (en, zh) = (cause.describe(En), cause.describe(Zh));
            assert!(!en.is_empty() && !zh.is_empty() && en != zh, "{cause:?}");
            // Printed with `--nocapture` for the report.
            println!("{cause:?}\n  en: {en}\n  zh: {zh}");
        }
        let cors = &causes[5];
        assert_eq!(
            cors.describe(En),
            "The server at https://p0.kamiya.dev answers, but does not allow this page (https://you.github.io) to read its answers (CORS). Use a proxy that allows https://you.github.io: see “Behind a proxy” in Kamiya Studio's guide. If https://p0.kamiya.dev is your own kamiya-proxy, start it with --allow-origin https://you.github.io."
        );
        assert!(cors.describe(Zh).contains("https://you.github.io"));
        assert!(causes[10].describe(Zh).ends_with("服务器说：“kamiya-proxy: the API at https://p0.kamiya.dev did not answer (cannot connect)”"));
        assert!(causes[12]
            .describe(En)
            .starts_with("The server answered exactly as it does when no key is sent"));
        assert!(causes[13]
            .describe(En)
            .starts_with("The API key was refused"));
    }

    #[test]
    fn costs_and_balances_never_say_nan() {
        assert_eq!(job_cost(&JobCost::Pending, En), None);
        assert_eq!(job_cost(&JobCost::Own(1.5), En).unwrap(), "Cost 1.50");
        assert_eq!(
            job_cost(
                &JobCost::Together {
                    total: 6.0,
                    jobs: 2
                },
                Zh
            )
            .unwrap(),
            "与同时进行的 2 个任务合计花费 6.00"
        );
        assert_eq!(job_cost(&JobCost::Unknown, En).unwrap(), "Cost unknown");
        assert_eq!(
            balance_line(Some(17991.86), Some(1.5), En),
            "Credit 17,991.86 · spent this session 1.50"
        );
        assert_eq!(balance_line(None, None, Zh), "余额未知");
        assert_eq!(
            expected_cost(Some(1.5), 4, En),
            "Expected cost: about 6.00 (4 × 1.50)"
        );
        assert_eq!(
            expected_cost(None, 4, Zh),
            "尚不知道此模型、尺寸和步数的花费。"
        );
        assert_eq!(mark(Mark::Passed), ("✓", T::MarkPassed));
        assert_eq!(
            step(Step::Origin).get(En),
            "It lets this page read its answers (CORS)"
        );
    }

    #[test]
    fn job_states_read_as_before() {
        assert_eq!(JobState::Created.describe(En), "Accepted, waiting");
        assert_eq!(JobState::Created.describe(Zh), "已提交，等待生成");
        assert_eq!(
            JobState::Running("generating".into()).describe(En),
            "In progress (generating)"
        );
        assert_eq!(JobState::Generated.describe(Zh), "已完成");
        assert_eq!(
            JobState::Failed(FailReason::ServerStatus("failed".into())).describe(Zh),
            "服务器报告失败（failed）"
        );
    }

    #[test]
    fn a_job_the_server_forgot_says_what_the_server_said() {
        let lost = JobState::Failed(FailReason::Lost(ApiError::Http {
            status: 404,
            message: Some("任务不存在".into()),
        }));
        assert_eq!(
            lost.describe(En),
            "Could not get the job's status: The request was refused (HTTP 404). The server said: “任务不存在”"
        );
        let rejected = FailReason::Rejected(ApiError::Api {
            status: 500,
            message: "忙".into(),
        });
        assert_eq!(
            rejected.describe(Zh),
            "提交失败：API 返回错误（状态 500）。 服务器说：“忙”"
        );
    }

    #[test]
    fn history_records_read_like_jobs() {
        assert_eq!(
            Progress::Pending("generating".into()).describe(Zh),
            "生成中（generating）"
        );
        assert_eq!(
            Progress::Failed("nsfw".into()).describe(En),
            "Failed (nsfw)"
        );
        assert_eq!(Progress::Done("u".into()).describe(En), "Done");
    }

    #[test]
    fn field_problems_give_the_range() {
        let range = Problem::OutOfRange {
            min: 1.0,
            max: 150.0,
        };
        assert_eq!(range.describe(En), "Must be between 1 and 150.");
        assert_eq!(range.describe(Zh), "应在 1 到 150 之间。");
        let cfg = Problem::OutOfRange { min: 1.0, max: 7.5 };
        assert_eq!(cfg.describe(En), "Must be between 1 and 7.5.");
        assert!(Problem::NotMultipleOf8.describe(Zh).contains('8'));
    }

    #[test]
    fn share_errors_are_described_in_both_languages() {
        let errors = [
            ShareError::NoParameters,
            ShareError::TooLarge,
            ShareError::Malformed,
            ShareError::UnsupportedVersion(3),
            ShareError::Invalid {
                field: ShareField::Steps,
            },
            ShareError::Invalid {
                field: ShareField::Loras,
            },
        ];
        for e in errors {
            let (en, zh) = (e.describe(En), e.describe(Zh));
            assert!(!en.is_empty() && !zh.is_empty());
            assert_ne!(en, zh);
        }
        let steps = ShareError::Invalid {
            field: ShareField::Steps,
        };
        assert_eq!(steps.describe(Zh), "链接中的步数缺失或超出范围。");
        let cfg = ShareError::Invalid {
            field: ShareField::Cfg,
        };
        assert_eq!(
            cfg.describe(En),
            "The link's CFG scale is missing or out of range."
        );
        assert!(ShareError::UnsupportedVersion(3).describe(En).contains('3'));
        assert_eq!(
            ShareError::TooLarge.describe(En),
            "The link is too long (over 16 KB)."
        );
    }

    #[test]
    fn filled_parts_are_named_as_before() {
        let parts = [Filled::Negative, Filled::Cfg, Filled::Loras];
        for lang in [En, Zh] {
            let names: Vec<_> = parts.iter().map(|p| filled(*p).get(lang)).collect();
            assert_eq!(names.join(", "), "negative, cfg, loras");
        }
    }

    #[test]
    fn source_problems_are_described_in_both_languages() {
        let big = SourceProblem::TooLarge {
            w: 12_000,
            h: 12_000,
        };
        assert_eq!(
            big.describe(En),
            "The image is 12000×12000 (144.0 megapixels); the limit is 50 megapixels."
        );
        assert_eq!(
            big.describe(Zh),
            "图片为 12000×12000（144.0 百万像素），超过了 50 百万像素的上限。"
        );
        let empty = SourceProblem::Empty;
        assert_ne!(empty.describe(En), empty.describe(Zh));
        assert_eq!(
            SourceError::Dimensions(empty).describe(Zh),
            empty.describe(Zh)
        );
        assert_eq!(
            SourceError::TooLargeToSend(4_500_000).describe(En),
            "Even compressed it is 4.3 MB, over the 4 MB limit. Choose a smaller size."
        );
    }
}
