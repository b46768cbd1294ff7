// The Cloudflare Worker's rules, checked with Node's own test runner in
// front of a recording upstream: `node --test proxy/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";

import worker, { normalizeOrigin } from "./cloudflare-worker.mjs";

const PAGE = "https://you.github.io";

async function recorder() {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, length: Buffer.concat(chunks).length });
      const image = req.url.startsWith("/img/");
      res.writeHead(200, {
        "content-type": image ? "image/png" : "application/json",
        "set-cookie": "session=upstream-secret",
        "access-control-allow-origin": "*",
      });
      res.end(image ? "PNG" : JSON.stringify({ status: 200, message: "OK", data: {} }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, seen, close: () => server.close() };
}

function call(env, method, path, headers = {}, body) {
  return worker.fetch(new Request(`https://proxy.example${path}`, { method, headers, body }), env);
}

async function message(resp) {
  return (await resp.json()).message;
}

test("origins are normalised as browsers send them", () => {
  assert.equal(normalizeOrigin("https://You.GitHub.io/"), "https://you.github.io");
  assert.equal(normalizeOrigin("https://a.example:443"), "https://a.example");
  assert.equal(normalizeOrigin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  assert.equal(normalizeOrigin("*"), null);
  assert.equal(normalizeOrigin("https://you.github.io/repo"), null);
  assert.equal(normalizeOrigin(null), null);
});

test("the API's routes go through, with CORS for the allowed origin and two headers only", async () => {
  const up = await recorder();
  const env = { UPSTREAM: up.url, ALLOW_ORIGINS: `${PAGE}, http://127.0.0.1:8080` };
  try {
    for (const path of [
      "/api/checkNetwork",
      "/api/session/getDetails",
      "/api/image/config",
      "/api/image/generate?start=1&take=20&",
      "/api/image/generate/AbC123",
    ]) {
      const r = await call(env, "GET", path, { origin: PAGE });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("access-control-allow-origin"), PAGE);
      assert.equal(r.headers.get("set-cookie"), null);
    }
    const r = await call(
      env,
      "POST",
      "/api/image/generate",
      {
        origin: PAGE,
        authorization: "Bearer sk-secret",
        "content-type": "application/json",
        cookie: "a=b",
        "x-forwarded-for": "10.0.0.1",
        referer: "https://you.github.io/app/",
      },
      "{}",
    );
    assert.equal(r.status, 200);
    const last = up.seen.at(-1);
    assert.equal(last.headers.authorization, "Bearer sk-secret");
    assert.equal(last.headers["content-type"], "application/json");
    for (const name of ["cookie", "x-forwarded-for", "referer", "origin"]) {
      assert.equal(last.headers[name], undefined, name);
    }
    assert.deepEqual(
      up.seen.map((s) => `${s.method} ${s.url}`),
      [
        "GET /api/checkNetwork",
        "GET /api/session/getDetails",
        "GET /api/image/config",
        "GET /api/image/generate?start=1&take=20&",
        "GET /api/image/generate/AbC123",
        "POST /api/image/generate",
      ],
    );
  } finally {
    up.close();
  }
});

test("preflights, and everything that is not forwarded", async () => {
  const up = await recorder();
  const env = { UPSTREAM: up.url, ALLOW_ORIGINS: PAGE };
  try {
    const ok = await call(env, "OPTIONS", "/api/image/generate", {
      origin: PAGE,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), PAGE);
    for (const [origin, method, asked] of [
      ["https://evil.example", "POST", "authorization"],
      [PAGE, "POST", "authorization, cookie"],
      [PAGE, "DELETE", ""],
    ]) {
      const r = await call(env, "OPTIONS", "/api/image/generate", {
        origin,
        "access-control-request-method": method,
        "access-control-request-headers": asked,
      });
      assert.equal(r.status, 403);
      assert.equal(r.headers.get("access-control-allow-origin"), null);
    }
    for (const headers of [{}, { origin: "https://evil.example" }, { origin: "*" }]) {
      const r = await call(env, "GET", "/api/checkNetwork", headers);
      assert.equal(r.status, 403);
      assert.equal(r.headers.get("access-control-allow-origin"), null);
      assert.match(await message(r), /origin is not allowed/);
    }
    for (const [path, status] of [
      ["/", 404],
      ["/api/billing/history", 404],
      ["/api/image/generate/a/b", 404],
      ["/api/checkNetwork?url=x", 400],
      ["/api/image/generate?start=1&start=2", 400],
      ["/api/image/generate/abc%2Fdef", 400],
      ["/api//checkNetwork", 400],
    ]) {
      const r = await call(env, "GET", path, { origin: PAGE });
      assert.equal(r.status, status, path);
      assert.equal(r.headers.get("access-control-allow-origin"), PAGE);
    }
    for (const method of ["DELETE", "PUT", "PATCH"]) {
      assert.equal((await call(env, method, "/api/checkNetwork", { origin: PAGE })).status, 405);
    }
    assert.equal((await call(env, "POST", "/api/checkNetwork", { origin: PAGE }, "x")).status, 405);
    // `..` as sent is refused even though a URL parser would resolve it.
    const dots = await worker.fetch(
      { url: "https://proxy.example/api/image/../checkNetwork", method: "GET", headers: new Headers({ origin: PAGE }) },
      env,
    );
    assert.equal(dots.status, 400);
    const big = await call(
      env,
      "POST",
      "/api/image/generate",
      { origin: PAGE, "content-type": "application/json" },
      "x".repeat(6 * 1024 * 1024 + 1),
    );
    assert.equal(big.status, 413);
    assert.match(await message(big), /over 6 MiB/);
    const fits = await call(
      env,
      "POST",
      "/api/image/generate",
      { origin: PAGE, "content-type": "application/json" },
      "x".repeat(((4 << 20) / 3) * 4 + 100),
    );
    assert.equal(fits.status, 200);
    assert.equal(up.seen.length, 1, "only the body that fits reached the upstream");
  } finally {
    up.close();
  }
});

test("a dead upstream is a 502 the app can read; pictures only from named hosts", async () => {
  const dead = await recorder();
  dead.close();
  const env = { UPSTREAM: dead.url, ALLOW_ORIGINS: PAGE };
  const r = await call(env, "GET", "/api/checkNetwork", { origin: PAGE });
  assert.equal(r.status, 502);
  assert.equal(r.headers.get("access-control-allow-origin"), PAGE);
  assert.match(await message(r), /did not answer/);

  const cdn = await recorder();
  const host = cdn.url.replace("http://", "");
  const withImages = { UPSTREAM: dead.url, ALLOW_ORIGINS: PAGE, IMAGE_HOSTS: cdn.url };
  try {
    const img = await call(withImages, "GET", `/image/${host}/img/a.png`, {
      origin: PAGE,
      authorization: "Bearer sk-secret",
    });
    assert.equal(img.status, 200);
    assert.equal(img.headers.get("content-type"), "image/png");
    assert.equal(cdn.seen.at(-1).headers.authorization, undefined, "never the key to an image host");
    const notImage = await call(withImages, "GET", `/image/${host}/page.html`, { origin: PAGE });
    assert.equal(notImage.status, 502);
    const other = await call(withImages, "GET", "/image/evil.example/a.png", { origin: PAGE });
    assert.equal(other.status, 404);
  } finally {
    cdn.close();
  }
});
