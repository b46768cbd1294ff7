#!/usr/bin/env python3
"""Trunk post-build hook: puts a strict Content-Security-Policy into index.html.

Static hosts such as GitHub Pages cannot send headers, so the policy is a
<meta> tag. Trunk starts the app with an inline module script, which the
policy allows by its SHA-256 hash, computed here from the built file.
"""
import base64
import hashlib
import os
import re
import sys

# The API base URL is the user's choice (often a proxy), so any https
# origin may be called; loopback http is allowed for the local demo only.
LOOPBACK = "http://127.0.0.1:* http://localhost:*"


def policy(script_hashes):
    scripts = " ".join(f"'sha256-{h}'" for h in script_hashes)
    return "; ".join([
        "default-src 'none'",
        f"script-src 'self' 'wasm-unsafe-eval' {scripts}".strip(),
        "style-src 'self'",
        f"img-src 'self' https: data: blob: {LOOPBACK}",
        f"connect-src 'self' https: {LOOPBACK}",
        "manifest-src 'self'",
        "worker-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ])


def main():
    staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist")
    path = os.path.join(staging, "index.html")
    with open(path, encoding="utf-8") as f:
        html = f.read()
    html = re.sub(r'\s*<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    hashes = [base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() for s in inline]
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(hashes)}">'
    html = html.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n  ' + meta, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)


if __name__ == "__main__":
    main()
