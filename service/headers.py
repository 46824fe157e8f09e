"""Security headers on every response, set by the app so they hold without nginx.

Document text is escaped before it reaches a page (see `service.pages`); the
Content-Security-Policy is the second line of defence should a stored
article ever slip markup past that escaping: with `default-src 'self'` and no
inline script allowed, injected `<script>`, `onerror=` or `style=` does
nothing, and `frame-ancestors 'none'` keeps the pages out of other sites'
frames. Pages therefore load script and style only from `/static/`.

JSON and other non-HTML answers get the tightest policy (`default-src
'none'`): a browser that is tricked into rendering one loads nothing. The
nginx site (deploy/nginx-newsarchive.conf) adds the same headers to what
nginx answers itself, and only where the app did not already set them.
"""

from __future__ import annotations

from flask import Flask

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
REFERRER_POLICY = "same-origin"


def security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for old browsers
    html = (response.mimetype or "") == "text/html"
    headers.setdefault("Content-Security-Policy", PAGE_POLICY if html else OTHER_POLICY)
    return response


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
