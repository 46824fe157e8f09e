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
    """Each header added unless the response has it already (`setdefault`, in one look)."""
    headers = response.headers
    present = {key.lower() for key, _value in headers.items()}
    html = (response.mimetype or "") == "text/html"
    policy = PAGE_POLICY if html else OTHER_POLICY
    for name, value in (*_ALWAYS, ("Content-Security-Policy", policy)):
        if name.lower() not in present:
            headers.add(name, value)
    return response


_ALWAYS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", REFERRER_POLICY),
    ("X-Frame-Options", "DENY"),  # frame-ancestors for old browsers
)


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
