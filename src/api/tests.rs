//! The provider's example answers, verbatim, and variants of them.

use super::*;

const GENERATE_ANSWER: &str = r#"{
    "status": 200,
    "message": "OK",
    "data": {
        "id": "w1tjx7j",
        "hashid": "nqy1zenwuykr256",
        "metaid": "dc9d09c889017a0538ccad375339c275",
        "status": "created",
        "metadata": {
            "LoRAs": [],
            "model": "original",
            "width": 768,
            "height": 512,
            "type": "text2image",
            "prompts": "礼花，气球，红色瞳孔，小巷，看着观众，城市，浮世绘，头发飘起，",
            "negativePrompts": "lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry,lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry",
            "sampling": "DPM++ 2M Karras",
            "step": 28,
            "cfg": 12,
            "seed": 218506577,
            "batch": 1,
            "artboard": "768x512"
        },
        "userId": 2,
        "createdAt": "08-06 07:30:20",
        "updatedAt": "08-06 07:30:20"
    }
}"#;

const TRACK_ANSWER: &str = r#"{
    "status": 200,
    "message": "OK",
    "data": {
        "id": "w1tjx7j",
        "hashid": "nqy1zenwuykr256",
        "metaid": "dc9d09c889017a0538ccad375339c275",
        "status": "generated",
        "metadata": {
            "LoRAs": [],
            "model": "original",
            "width": 768,
            "height": 512,
            "type": "text2image",
            "prompts": "礼花，气球，红色瞳孔，小巷，看着观众，城市，浮世绘，头发飘起，",
            "negativePrompts": "lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry,lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry",
            "sampling": "DPM++ 2M Karras",
            "step": 28,
            "cfg": 12,
            "seed": 218506577,
            "batch": 1,
            "artboard": "768x512",
            "jpg": "https://huader-output.cdn.aliceeiga.com/hrw-v3_3/outputs/text2image/2023-08-06/1691278224754-513473-dc9d09c889017a0538ccad375339c275-generated.jpg"
        },
        "userId": 2,
        "createdAt": "08-06 07:30:20",
        "updatedAt": "08-06 07:30:26"
    }
}"#;

const LIST_ANSWER: &str = r#"{
    "status": 200,
    "message": "OK",
    "data": [
        {
            "id": "lnd1zsy",
            "hashid": "58pqdly1h2pvmeg",
            "metaid": "58970eb88901230adeb3d6c7f0287024",
            "status": "generated",
            "metadata": {
                "LoRAs": [],
                "model": "original",
                "width": 768,
                "height": 512,
                "type": "text2image",
                "prompts": "礼花，气球，红色瞳孔，小巷，看着观众，城市，浮世绘，头发飘起，",
                "negativePrompts": "lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry,lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry",
                "sampling": "DPM++ 2M Karras",
                "step": 28,
                "cfg": 12,
                "seed": 3050350418,
                "batch": 1,
                "artboard": "768x512",
                "jpg": ""
            },
            "userId": 2,
            "createdAt": "08-03 05:01:51",
            "updatedAt": "08-03 05:01:57"
        }
    ]
}"#;

const DETAILS_ANSWER: &str = r#"{"status":200,"message":"OK","data":{"email":"a@b.c","role":"Normal","credit":17993.36,"active":true},"useNAIFallback":false}"#;

#[test]
fn provider_generate_answer_parses() {
    let job: JobRecord = types::parse_envelope(200, GENERATE_ANSWER).unwrap();
    assert_eq!(job.hashid, "nqy1zenwuykr256");
    assert_eq!(job.status, "created");
    assert_eq!(job.metadata.seed, Some(218506577));
    assert_eq!(job.metadata.artboard.as_deref(), Some("768x512"));
    assert_eq!(job.created_at, "08-06 07:30:20");
    assert_eq!(job.image_url(), None);
}

#[test]
fn provider_track_answer_gives_the_image_url() {
    let job: JobRecord = types::parse_envelope(200, TRACK_ANSWER).unwrap();
    assert_eq!(job.status, "generated");
    assert!(job
        .image_url()
        .unwrap()
        .starts_with("https://huader-output.cdn"));
    assert!(job.metadata.prompts.contains("礼花"));
}

#[test]
fn provider_list_answer_keeps_big_seeds_and_empty_jpg() {
    let list: JobList = types::parse_envelope(200, LIST_ANSWER).unwrap();
    assert_eq!(list.0.len(), 1);
    let job = &list.0[0];
    assert_eq!(job.metadata.seed, Some(3_050_350_418));
    assert_eq!(job.metadata.jpg.as_deref(), Some(""));
    assert_eq!(job.image_url(), None);
}

#[test]
fn details_and_check_network_parse() {
    let d: AccountDetails = types::parse_envelope(200, DETAILS_ANSWER).unwrap();
    assert_eq!(d.email, "a@b.c");
    assert_eq!(d.credit, Some(17993.36));
    assert_eq!(d.active, Some(true));
    let n: NetworkCheck =
        types::parse_envelope(200, r#"{"status":200,"ip":"1.2.3.4","message":"OK"}"#).unwrap();
    assert_eq!(n.ip.as_deref(), Some("1.2.3.4"));
}

#[test]
fn unknown_fields_missing_fields_and_strings_for_numbers_are_tolerated() {
    let body = r#"{"status":"200","data":{"hashid":"abc","status":"排队中","extra":{"x":1},
        "metadata":{"seed":"4294967295","cfg":"7.5","width":null,"LoRAs":[{"id":"a","weight":60},"junk"]}}}"#;
    let job: JobRecord = types::parse_envelope(200, body).unwrap();
    assert_eq!(job.status, "排队中");
    assert_eq!(job.metadata.seed, Some(4_294_967_295));
    assert_eq!(job.metadata.cfg, Some(7.5));
    assert_eq!(job.metadata.width, None);
    assert_eq!(job.metadata.loras.len(), 1);
    // metadata of the wrong type is dropped, not fatal
    let odd: JobRecord = types::parse_envelope(
        200,
        r#"{"status":200,"data":{"hashid":"h","metadata":"?"}}"#,
    )
    .unwrap();
    assert_eq!(odd.hashid, "h");
}

#[test]
fn error_envelopes_become_the_right_error() {
    let e = types::parse_envelope::<JobRecord>(200, r#"{"status":500,"message":"服务器繁忙"}"#)
        .unwrap_err();
    assert_eq!(
        e,
        ApiError::Api {
            status: 500,
            message: "服务器繁忙".into()
        }
    );
    let e = types::parse_envelope::<JobRecord>(200, r#"{"status":401,"message":"密钥无效"}"#)
        .unwrap_err();
    assert_eq!(e, ApiError::Unauthorized(Some("密钥无效".into())));
    let e = types::parse_envelope::<JobRecord>(401, "").unwrap_err();
    assert_eq!(e, ApiError::Unauthorized(None));
    let e = types::parse_envelope::<JobRecord>(500, r#"{"status":500,"message":"内部错误"}"#)
        .unwrap_err();
    assert_eq!(
        e,
        ApiError::Http {
            status: 500,
            message: Some("内部错误".into())
        }
    );
    let e = types::parse_envelope::<JobRecord>(502, "<html>Bad Gateway</html>").unwrap_err();
    assert_eq!(
        e,
        ApiError::Http {
            status: 502,
            message: None
        }
    );
}

#[test]
fn malformed_bodies_are_malformed_not_panics() {
    for body in [
        "",
        "{",
        r#"{"status":200,"message":"OK","data":{"id":"#,
        "<html></html>",
        "[1,2]",
        "null",
        r#"{"status":200,"data":"surprise"}"#,
    ] {
        let e = types::parse_envelope::<JobRecord>(200, body).unwrap_err();
        assert!(matches!(e, ApiError::Malformed(_)), "{body}: {e:?}");
    }
    assert!(types::parse_envelope::<JobList>(200, r#"{"status":200,"data":"x"}"#).is_err());
}

#[test]
fn list_skips_odd_entries_and_accepts_wrapped_lists() {
    let body = r#"{"status":200,"data":[{"hashid":"a"},42,{"nohash":1},{"hashid":"b","status":"generated"}]}"#;
    let list: JobList = types::parse_envelope(200, body).unwrap();
    assert_eq!(
        list.0.iter().map(|j| j.hashid.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let wrapped: JobList =
        types::parse_envelope(200, r#"{"status":200,"data":{"list":[{"hashid":"c"}]}}"#).unwrap();
    assert_eq!(wrapped.0.len(), 1);
    let empty: JobList = types::parse_envelope(200, r#"{"status":200,"data":null}"#).unwrap();
    assert!(empty.0.is_empty());
}

#[test]
fn config_is_read_tolerantly() {
    let body = r#"{"status":200,"message":"OK","data":{
        "busyStatus":"空闲","availableModels":[{"id":"original","description":"原版","preview":"x"},{"description":"no id"},"bare"],
        "availableLoRAs":[{"id":"bocchi","name":"Bocchi"},{"id":"x"}],
        "samplers":["Euler a",{"name":"DDIM"}],"sizes":["768x512",[512,768],{"width":640,"height":640},"bad"],
        "somethingNew":{"deep":[1,2,3]}}}"#;
    let c: ImageConfig = types::parse_envelope(200, body).unwrap();
    assert_eq!(c.busy_status.as_deref(), Some("空闲"));
    assert_eq!(
        c.models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["original", "bare"]
    );
    assert_eq!(c.loras.len(), 2);
    assert_eq!(c.loras[1].label(), "x");
    assert_eq!(c.samplers, ["Euler a", "DDIM"]);
    assert_eq!(c.sizes, [(768, 512), (512, 768), (640, 640)]);

    assert!(c.img2img_hints.is_empty());
    let hinted: ImageConfig = types::parse_envelope(
        200,
        r#"{"status":200,"data":{"denoisingStrength":{"min":0,"max":1},"img2imgNote":"强度固定"}}"#,
    )
    .unwrap();
    assert_eq!(hinted.img2img_hints.len(), 2);
    assert!(hinted
        .img2img_hints
        .iter()
        .any(|(k, v)| k == "img2imgNote" && v == "强度固定"));
    let bare: ImageConfig = types::parse_envelope(200, r#"{"status":200,"data":{}}"#).unwrap();
    assert!(bare.models.is_empty() && bare.samplers.is_empty() && bare.busy_status.is_none());
}

#[test]
fn only_http_urls_count_as_images() {
    for ok in [
        "https://cdn.example/a.jpg",
        "http://127.0.0.1:8788/outputs/x.jpg",
        "HTTPS://X.Y/z",
    ] {
        assert!(is_http_url(ok), "{ok}");
    }
    for bad in [
        "",
        "javascript:alert(1)",
        "data:image/png;base64,xx",
        "/relative.jpg",
        "https://",
        "https:// x",
        "ftp://a/b",
    ] {
        assert!(!is_http_url(bad), "{bad}");
    }
}

#[test]
fn urls_and_headers_are_built_for_the_configured_base_only() {
    let c = Client::new(" https://proxy.example/kamiya/ ", " sk-test ").unwrap();
    assert_eq!(
        c.url(&Endpoint::Config),
        "https://proxy.example/kamiya/api/image/config"
    );
    assert_eq!(
        c.url(&Endpoint::Track("a/b?c".into())),
        "https://proxy.example/kamiya/api/image/generate/a%2Fb%3Fc"
    );
    assert_eq!(
        c.url(&Endpoint::List { start: 0, take: 20 }),
        "https://proxy.example/kamiya/api/image/generate?start=1&take=20"
    );
    assert!(c.headers(&Endpoint::CheckNetwork).is_empty());
    let h = c.headers(&Endpoint::Generate);
    assert!(h.contains(&("Authorization", "Bearer sk-test".to_string())));
    assert!(h.contains(&("Content-Type", "application/json".to_string())));
    assert!(!c.url(&Endpoint::Details).contains("sk-test"));
}

#[test]
fn bad_base_urls_are_refused_with_the_reason() {
    use BaseUrlProblem::*;
    for (bad, problem) in [
        ("", Empty),
        (" / ", Empty),
        ("p0.kamiya.dev", NotHttp),
        ("javascript:alert(1)", NotHttp),
        ("ftp://h", NotHttp),
        ("https://user:pw@host", Credentials),
        ("https://h/?x=1", QueryOrFragment),
        ("https://h#top", QueryOrFragment),
    ] {
        assert_eq!(
            Client::new(bad, "k"),
            Err(ApiError::Setting(SettingProblem::BaseUrl(problem))),
            "{bad}"
        );
    }
}

#[test]
fn generate_request_serialises_with_the_api_field_names() {
    let req = GenerateRequest {
        kind: JobType::Text2Image,
        prompts: "礼花，气球".into(),
        negative_prompts: "lowres".into(),
        step: 28,
        cfg: 12.0,
        seed: 4_294_967_295,
        sampling: "DPM++ 2M Karras".into(),
        width: 768,
        height: 512,
        model: "original".into(),
        loras: vec![LoraChoice {
            id: "bocchiEdStyleLora_bocchiEdStyle".into(),
            weight: 60,
        }],
        image: None,
    };
    let v: serde_json::Value = serde_json::to_value(&req).unwrap();
    assert_eq!(v["type"], "text2image");
    assert_eq!(v["negativePrompts"], "lowres");
    assert_eq!(v["LoRAs"][0]["weight"], 60);
    assert_eq!(v["seed"], 4_294_967_295u64);
    assert!(v.get("image").is_none());
    let back: GenerateRequest = serde_json::from_value(v).unwrap();
    assert_eq!(back, req);
}

#[test]
fn pictures_go_through_a_proxy_by_host_and_path_never_through_the_api() {
    let via = |base, url| picture_through_proxy(base, url);
    assert_eq!(
        via(
            "https://proxy.example/",
            "https://cdn.example/a/b.jpg?sig=1#x"
        )
        .as_deref(),
        Some("https://proxy.example/image/cdn.example/a/b.jpg?sig=1")
    );
    assert_eq!(
        via("http://127.0.0.1:8790", "http://127.0.0.1:8788/img/x.jpg").as_deref(),
        Some("http://127.0.0.1:8790/image/127.0.0.1:8788/img/x.jpg")
    );
    assert_eq!(
        via("https://proxy.example/kamiya", "https://cdn.example").as_deref(),
        Some("https://proxy.example/kamiya/image/cdn.example/")
    );
    // The API itself serves no pictures.
    assert_eq!(
        via("https://p0.kamiya.dev/", "https://cdn.example/a.jpg"),
        None
    );
    assert_eq!(
        via("https://P0.Kamiya.dev", "https://cdn.example/a.jpg"),
        None
    );
    // Nothing but plain http(s), never with credentials.
    assert_eq!(
        via("https://proxy.example", "https://u:p@cdn.example/a.jpg"),
        None
    );
    assert_eq!(
        via("https://proxy.example", "data:image/png;base64,xx"),
        None
    );
    assert_eq!(via("https://proxy.example", "/relative.jpg"), None);
    assert_eq!(via("not a url", "https://cdn.example/a.jpg"), None);
}

#[test]
fn an_absurd_status_is_clamped_to_what_storage_keeps_exactly() {
    let e =
        types::parse_envelope::<JobRecord>(200, r#"{"status":1e20,"message":"m"}"#).unwrap_err();
    assert_eq!(
        e,
        ApiError::Api {
            status: (1 << 53) - 1,
            message: "m".into()
        }
    );
}
