// kamiya-proxy's rules as a Cloudflare Worker: the Kamiya image API behind
// an address that answers CORS for the pages you name. The same rules as
// the Rust proxy (proxy/src/rules.rs); proxy/cloudflare-worker.test.mjs
// checks them with Node.
//
// Settings (the Worker's variables, e.g. in wrangler.toml under [vars]):
//   UPSTREAM       the API, e.g. "https://p0.kamiya.dev"
//   ALLOW_ORIGINS  the pages allowed to call it, comma-separated, e.g.
//                  "https://you.github.io" (never "*")
//   IMAGE_HOSTS    optional, comma-separated image hosts whose pictures it
//                  serves at /image/{host}/{path}, e.g. "cdn.example"
//
// What it does: forwards only the API's routes with their methods (GET,
// POST, OPTIONS preflights), only from the allowed origins, with only the
// Authorization and Content-Type headers; refuses everything else with a
// JSON body in the API's envelope. Bodies up to 6 MiB; 80 s for the API
// to answer. Nothing is logged or stored. (Limits on requests in flight
// are Cloudflare's own: add a rate-limiting rule to the route if needed.)

const MAX_BODY = 6 * 1024 * 1024;
const TIMEOUT_MS = 80_000;
const AGENT = "kamiya-proxy-worker/0.1";

const ROUTES = {
  "/api/checkNetwork": "GET",
  "/api/session/getDetails": "GET",
  "/api/image/config": "GET",
};
const HASHID = /^[A-Za-z0-9_-]{1,64}$/;
const PLAIN_PATH = /^(\/[A-Za-z0-9_-]+)+$/;
const LIST_QUERY = /^(?:(start|take)=\d{1,6})(?:&(?!\1)(start|take)=\d{1,6})?$/;

function list(text) {
  return (text || "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** `scheme://host[:port]`, lowercase, without a default port; else null. */
export function normalizeOrigin(text) {
  const m = /^(https?):\/\/([^/?#@\s]+?)\/?$/i.exec((text || "").trim());
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  let host = m[2].toLowerCase();
  if (host.endsWith(scheme === "https" ? ":443" : ":80")) host = host.replace(/:\d+$/, "");
  return `${scheme}://${host}`;
}

function envelope(status, message, origin, extra = {}) {
  const headers = { "content-type": "application/json; charset=utf-8", ...extra };
  if (origin) Object.assign(headers, cors(origin));
  return new Response(JSON.stringify({ status, message: `kamiya-proxy: ${message}` }), {
    status,
    headers,
  });
}

function cors(origin) {
  return { "access-control-allow-origin": origin, vary: "Origin" };
}

const REFUSALS = {
  path: [400, "the path has `..`, `.`, `//`, a backslash or a percent escape: not forwarded"],
  absent: [404, "not one of the Kamiya API's routes"],
  method: [405, "method not allowed on this route"],
  query: [400, "query not allowed on this route"],
  origin: [403, "this page's origin is not allowed (add it to ALLOW_ORIGINS)"],
  preflight: [403, "preflight refused: only GET and POST with Authorization and Content-Type"],
  large: [413, "request body over 6 MiB (image-to-image sources up to 4 MB fit)"],
  image: [502, "the image host did not answer with a picture"],
};

/**
 * Where a request goes: { upstream URL, route method } or { refusal }.
 * `rawPath` and `rawQuery` are as the client sent them, before any URL
 * normalisation.
 */
export function route(method, rawPath, rawQuery, env) {
  const wanted = method;
  if (rawPath.startsWith("/image/")) {
    const hosts = list(env.IMAGE_HOSTS);
    if (!hosts.length) return { refusal: "absent" };
    const rest = rawPath.slice("/image/".length);
    const slash = rest.indexOf("/");
    if (slash < 0) return { refusal: "absent" };
    const authority = rest.slice(0, slash).toLowerCase();
    const path = rest.slice(slash + 1);
    const host = hosts.find((h) => h.replace(/^https?:\/\//i, "").toLowerCase() === authority);
    if (!host) return { refusal: "absent" };
    if (
      /%2f|%5c|%2e|%00/i.test(path) ||
      path.split("/").some((s) => s === "" || s === "." || s === "..") ||
      /[\\\s\x00-\x1f]/.test(path + rawQuery)
    ) {
      return { refusal: "path" };
    }
    if (wanted !== "GET") return { refusal: "method" };
    const origin = /^https?:\/\//i.test(host) ? host.replace(/\/$/, "") : `https://${host}`;
    return { url: `${origin}/${path}${rawQuery ? `?${rawQuery}` : ""}`, image: true };
  }
  if (rawPath !== "/" && !PLAIN_PATH.test(rawPath)) return { refusal: "path" };
  let allowed = ROUTES[rawPath];
  let isList = false;
  if (!allowed && rawPath === "/api/image/generate") {
    isList = wanted === "GET";
    allowed = isList ? "GET" : "POST";
  } else if (!allowed && rawPath.startsWith("/api/image/generate/")) {
    if (HASHID.test(rawPath.slice("/api/image/generate/".length))) allowed = "GET";
  }
  if (!allowed) return { refusal: "absent" };
  if (wanted !== allowed) return { refusal: "method" };
  // Empty pairs are harmless (fetch wrappers leave a trailing `&`).
  const pairs = rawQuery.split("&").filter(Boolean).join("&");
  if (pairs && !(isList && LIST_QUERY.test(pairs))) return { refusal: "query" };
  return { url: `${env.UPSTREAM.replace(/\/+$/, "")}${rawPath}${rawQuery ? `?${rawQuery}` : ""}` };
}

export default {
  async fetch(request, env) {
    const allowedOrigins = list(env.ALLOW_ORIGINS).map(normalizeOrigin).filter(Boolean);
    const given = normalizeOrigin(request.headers.get("origin"));
    const origin = given && allowedOrigins.includes(given) ? given : null;
    // The path as sent: `new URL` would already have resolved `..`.
    const raw = request.url.replace(/^[a-z]+:\/\/[^/]*/i, "");
    const q = raw.indexOf("?");
    const rawPath = q < 0 ? raw : raw.slice(0, q);
    const rawQuery = q < 0 ? "" : raw.slice(q + 1);
    const method = request.method;
    if (!["GET", "POST", "OPTIONS"].includes(method)) {
      return envelope(...REFUSALS.method, origin);
    }
    const preflight = method === "OPTIONS";
    const announced = preflight ? request.headers.get("access-control-request-method") || "" : method;
    if (preflight && !["GET", "POST"].includes(announced)) {
      return envelope(...REFUSALS.preflight, null);
    }
    const target = route(announced, rawPath, rawQuery, env);
    if (target.refusal) {
      return envelope(...REFUSALS[target.refusal], preflight ? null : origin);
    }
    if (!origin) return envelope(...REFUSALS.origin, null);
    if (preflight) {
      const asked = list(request.headers.get("access-control-request-headers"));
      if (!asked.every((h) => ["authorization", "content-type"].includes(h.toLowerCase()))) {
        return envelope(...REFUSALS.preflight, null);
      }
      return new Response(null, {
        status: 204,
        headers: {
          ...cors(origin),
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": "authorization, content-type",
          "access-control-max-age": "600",
        },
      });
    }
    // Only these go on; the key never goes to an image host.
    const headers = { "user-agent": AGENT };
    let body;
    if (!target.image) {
      for (const name of ["authorization", "content-type"]) {
        const value = request.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      if (method === "POST") {
        if (Number(request.headers.get("content-length") || 0) > MAX_BODY) {
          return envelope(...REFUSALS.large, origin);
        }
        body = await request.arrayBuffer();
        if (body.byteLength > MAX_BODY) return envelope(...REFUSALS.large, origin);
      }
    }
    const where = target.image ? new URL(target.url).host : env.UPSTREAM;
    let answer;
    try {
      answer = await fetch(target.url, {
        method: target.image ? "GET" : method,
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      if (e && e.name === "TimeoutError") {
        return envelope(504, `the API at ${where} did not answer within ${TIMEOUT_MS / 1000} s`, origin);
      }
      return envelope(502, `the API at ${where} did not answer (${(e && e.message) || e})`, origin);
    }
    const type = answer.headers.get("content-type") || "";
    if (target.image && (!answer.ok || !type.toLowerCase().startsWith("image/"))) {
      return envelope(...REFUSALS.image, origin);
    }
    const out = new Headers(cors(origin));
    for (const name of ["content-type", "cache-control", "retry-after"]) {
      const value = answer.headers.get(name);
      if (value !== null) out.set(name, value);
    }
    return new Response(answer.body, { status: answer.status, headers: out });
  },
};
