"""The server-rendered search page (GET /) and article page (GET /doc/<id>).

The page renders the very dict that /api/search returns (`service.results`)
and links to it, so what a person sees is always one API call away. What the
page adds is only presentation derived from that dict and the request:
removable chips for the active filters, the timeline chart
(`service.timeline_chart`), the years-to-months drill-down, the place tree,
page numbers and sort links. All of it is plain links and GET forms, so the
page works with JavaScript switched off.

Document text is untrusted. Only `title_html`, `snippet` and `body_html`,
which the searcher has escaped before adding <mark>, are rendered unescaped.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from indexer.extract.gazetteer import load_gazetteer
from indexer.search.places import resolve_places
from indexer.search.request import SORTS
from service import i18n
from service.facets import toggled_url, without_params
from service.links import FEED_PATH, url_with
from service.params import search_request
from service.results import page_url, result_object
from service.search_index import can_group, check_grouping, get_searcher
from service.source_paths import public_document
from service.timeline import chosen_period, parent_period, timeline_window
from service.timeline_chart import timeline_chart

bp = Blueprint("pages", __name__)

FILTER_PARAMS = ("location", "date_from", "date_to", "lang", "source", "story")
TREE_LIMIT = 10  # values shown per level before "N more"
LIST_LIMIT = 10
LANG_KEYS = {"en": "lang_en", "zh": "lang_zh", "mixed": "lang_mixed"}
_YEAR_OR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@bp.app_context_processor
def interface_text():
    # Registered app-wide so error pages (rendered by service.errors for any
    # path) speak the same language as the page that failed.
    lang = i18n.choose_language(request)

    def t(key: str, **values) -> str:
        return i18n.translate(lang, key, **values)

    other = "zh" if lang == "en" else "en"
    switch_args = MultiDict(request.args)
    switch_args.setlist("ui", [other])
    return {
        "ui": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "t": t,
        "date": lambda iso: i18n.format_date(lang, iso),
        "number": i18n.format_number,
        "switch_url": request.path + "?" + urlencode(list(switch_args.items(multi=True))),
        "switch_lang": other,
    }


@bp.after_app_request
def remember_language(response):
    if request.path.startswith(("/api/", "/static/")) or request.path == FEED_PATH:
        return response  # the same for every language: no Vary, no cookie
    asked = request.args.get("ui")
    if asked in i18n.LANGUAGES and request.cookies.get(i18n.COOKIE) != asked:
        response.set_cookie(
            i18n.COOKIE, asked, max_age=i18n.COOKIE_MAX_AGE, samesite="Lax", httponly=True
        )
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def page_args() -> MultiDict:
    """The request's search parameters; `ui` is remembered in a cookie, not carried."""
    return MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != "ui"])


@bp.get("/")
def index():
    args = page_args()
    req = page_grouping(search_request(args))
    result = get_searcher().search(req)
    body = result_object(result, req, args, "/")
    if req.grouped and not args.get("group"):  # grouped by default: so is the JSON twin
        body["links"]["json"] = page_url(
            MultiDict([*args.items(multi=True), ("group", "story")]), "/api/search", result.page
        )
    view = search_view(body, args, i18n.choose_language(request))
    html = render_template(
        "pages/search.html",
        result=body,
        view=view,
        search_query=body["query"],
        search_hidden=view["hidden"],
    )
    return html, {"Link": f'<{body["links"]["json"]}>; rel="alternate"; type="application/json"'}


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    q = (request.args.get("q") or "").strip() or None
    doc = get_searcher().document(doc_id[:64], q=q)
    if doc is None:
        abort(404, description="no such article")
    doc = public_document(doc)
    json_url = url_with(f"/api/documents/{doc['id']}", [("q", q)] if q else [])
    html = render_template(
        "pages/document.html",
        doc=doc,
        search_query=q or "",
        json_url=json_url,
        back_url=url_with("/", [("q", q)]) if q else None,
        original_url=_web_url(doc.get("url_original")),
        place_urls={p["id"]: url_with("/", [("location", p["id"])]) for p in doc["places"]},
    )
    return html, {"Link": f'<{json_url}>; rel="alternate"; type="application/json"'}


def page_grouping(req):
    """The page groups copies of a story unless asked not to, or listing one story.

    On a backend that cannot group, the page shows every article (a 501
    for `story=`: a filter is not dropped silently).
    """
    if not can_group():
        check_grouping(replace(req, group=None))
        return replace(req, group=None)
    if req.group is None and not req.story:
        return replace(req, group="story")
    return req


def _web_url(url: str | None) -> str | None:
    """Only http(s) addresses become links: a javascript: URL in a file must stay text."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


# -- what the search page shows besides the result dict ----------------------


def search_view(result: dict, args: MultiDict, lang: str) -> dict:
    filtered = any(args.get(name) for name in FILTER_PARAMS)
    return {
        "empty": not (result["query"] or filtered or args.get("sort") or result["page"] > 1),
        "filtered": filtered,
        "chips": filter_chips(args, lang),
        "clear_url": without_params(args, "/", FILTER_PARAMS),
        "hidden": [(k, v) for k, v in args.items(multi=True) if k not in ("q", "page")],
        "sorts": [
            {"value": s, "url": _replace(args, "sort", s), "current": s == result["sort"]}
            for s in SORTS
            if result["query"] or s != "relevance"  # without words, nothing to rank by
        ],
        "pages": page_numbers(result, args),
        "first": (result["page"] - 1) * result["per_page"] + 1,
        "last": min(
            result.get("total_stories", result["total"]), result["page"] * result["per_page"]
        ),
        "grouping": grouping_view(result, args),
        "copies_urls": [copies_url(args, hit) for hit in result["hits"]],
        "first_page_url": page_url(args, "/", 1),
        "years": year_tree(result, args),
        "timeline": timeline_view(result, args, lang),
        "undated": next(
            (e["count"] for e in result["facets"]["date"] if e["value"] == "undated"), 0
        ),
        "sources": _limited(result["facets"]["source"], LIST_LIMIT, lambda e: e["selected"]),
        "places": place_tree(result["facets"]["location"], args),
        "suggestion_url": _replace(args, "q", result["suggestion"])
        if result["suggestion"]
        else None,
        "unfiltered_url": without_params(args, "/", FILTER_PARAMS) if filtered else None,
        "hit_urls": [
            url_with(hit["url"], [("q", result["query"])] if result["query"] else [])
            for hit in result["hits"]
        ],
        "place_names": chinese_place_names(result) if lang == "zh" else {},
        "examples": EXAMPLES,
    }


EXAMPLES = (
    ("江阴", "example_place_zh"),
    ("Wuxi semiconductor", "example_words"),
    ('"silicon wafer"', "example_phrase"),
    ("Yangzhou OR 双良", "example_or"),
    ("Jiangyin -Summit", "example_not"),
    ("title:Jiangsu", "example_title"),
    ("semicon*", "example_prefix"),
)


def _replace(args: MultiDict, name: str, value: str) -> str:
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in (name, "page")]
    pairs.append((name, value))
    return "/?" + urlencode(pairs)


def grouping_view(result: dict, args: MultiDict) -> list[dict] | None:
    """The "one per story" / "all copies" switch (None when listing one story, or ungroupable)."""
    if args.get("story") or not can_group():
        return None
    grouped = result.get("group") == "story"
    return [
        {"value": "story", "url": _replace(args, "group", "story"), "current": grouped},
        {"value": "none", "url": _replace(args, "group", "none"), "current": not grouped},
    ]


def copies_url(args: MultiDict, hit: dict) -> str | None:
    """The hit's story's matching copies: the same words and filters, that story only."""
    if hit.get("copies", 1) < 2:
        return None
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in ("page", "group", "story")]
    return url_with("/", [*pairs, ("story", hit["story"])])


def chinese_place_names(result: dict) -> dict[str, str]:
    """Hits name their places in English; the location facet knows the Chinese names.

    A name that two places share (Suzhou: 苏州 and 宿州) stays in English.
    """
    names: dict[str, set] = {}
    for entry in result["facets"]["location"]:
        if entry.get("name_zh"):
            names.setdefault(entry["name"], set()).add(entry["name_zh"])
    return {en: zh.pop() for en, zh in names.items() if len(zh) == 1}


def filter_chips(args: MultiDict, lang: str) -> list[dict]:
    """One removable chip per active filter value, labelled in words, not ids."""
    gazetteer = load_gazetteer()
    chips = []
    for name, value in args.items(multi=True):
        if name not in ("location", "lang", "source") or not value:
            continue
        if name == "location":
            ids, _unknown = resolve_places(value.split("|"))
            labels = [p.label for p in map(gazetteer.get, ids) if p is not None]
            text = " / ".join(labels) or value
        elif name == "lang" and value in LANG_KEYS:
            text = i18n.translate(lang, LANG_KEYS[value])
        else:
            text = value
        chips.append({"param": name, "text": text, "url": toggled_url(args, "/", name, value)})
    if args.get("story"):
        text = i18n.translate(lang, "story_chip")
        chips.append({"param": "story", "text": text, "url": without_params(args, "/", ("story",))})
    date_from, date_to = args.get("date_from"), args.get("date_to")
    if date_from and date_from == date_to:
        chips.append(
            {
                "param": "date",
                "text": i18n.format_date(lang, date_from),
                "url": without_params(args, "/", ("date_from", "date_to")),
            }
        )
    else:
        for name in ("date_from", "date_to"):
            if args.get(name):
                text = i18n.translate(lang, name, date=i18n.format_date(lang, args[name]))
                chips.append(
                    {"param": name, "text": text, "url": without_params(args, "/", (name,))}
                )
    return chips


def page_numbers(result: dict, args: MultiDict) -> list[dict | None]:
    """Page links around the current one, with the first and last; None is a gap."""
    last = min(result["pages"], current_app.config["MAX_PAGE"])
    current = result["page"]
    if last <= 1:
        return []
    wanted = {1, last, *range(max(1, current - 2), min(last, current + 2) + 1)}
    out: list[dict | None] = []
    previous = 0
    for n in sorted(wanted):
        if n - previous > 1:
            out.append(None)
        out.append({"n": n, "url": page_url(args, "/", n), "current": n == current})
        previous = n
    return out


def _date_url(args: MultiDict, value: str | None) -> str:
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in ("date_from", "date_to", "page")]
    if value:
        pairs += [("date_from", value), ("date_to", value)]
    return url_with("/", pairs)


def timeline_view(result: dict, args: MultiDict, lang: str) -> dict | None:
    """The bar chart of `facets.date`, with a link one step out when zoomed in."""
    years = [e["value"] for e in result["facets"]["year"]]
    window = timeline_window(args.get("date_from"), args.get("date_to"), years)
    up = None
    if window is not None and window.scope:
        # Out to the whole month or year shown, or from there one step further.
        chosen = chosen_period(args.get("date_from"), args.get("date_to"))
        out = window.scope if chosen != window.scope else parent_period(window.scope)
        if out:
            text = i18n.translate(lang, "timeline_up", period=i18n.format_date(lang, out))
        else:
            text = i18n.translate(lang, "all_years")
        up = {"url": _date_url(args, out), "text": text}
    facets = result["facets"]
    totals = {e["value"]: e["count"] for e in facets["year"] + facets["month"]}
    return timeline_chart(facets["date"], window, lang, totals, up)


def year_tree(result: dict, args: MultiDict) -> list[dict]:
    """Years; the chosen year (or the year of the chosen month) opens into its months.

    Choosing a month narrows the year, so un-choosing it goes back up to the
    year rather than to all dates.
    """
    date_from, date_to = args.get("date_from"), args.get("date_to")
    chosen = _YEAR_OR_MONTH.match(date_from or "") if date_from == date_to else None
    open_year = chosen.group(1) if chosen else None
    years = []
    for entry in result["facets"]["year"]:
        year = dict(entry)
        year["open"] = entry["value"] == open_year
        year["months"] = []
        if year["open"]:
            for month in result["facets"]["month"]:
                if not month["value"].startswith(open_year + "-"):
                    continue
                month = dict(month)
                if month["selected"]:
                    month["toggle_url"] = _date_url(args, open_year)
                year["months"].append(month)
        years.append(year)
    if open_year and not any(y["open"] for y in years):
        # The chosen year has no articles under the other filters; keep it visible.
        years.append(
            {
                "value": open_year,
                "label": open_year,
                "count": 0,
                "selected": date_from == open_year,
                "toggle_url": _date_url(args, None),
                "open": True,
                "months": [],
            }
        )
    return _limited(years, LIST_LIMIT, lambda y: y["open"])


def place_tree(entries: list[dict], args: MultiDict) -> dict:
    """Nest location facet entries by `parent`: countries and provinces first.

    A place opens into the places inside it when it is chosen or holds a
    chosen place, or when it covers every article of the level above (the
    largest, at the top): when all of a search's articles are about Jiangsu,
    its cities are what tells them apart. The rest open by being clicked, as
    a year opens into months.
    Each level lists its `TREE_LIMIT` largest places; chosen places always.

    Within one facet the API ORs values, so adding Jiangyin to a chosen Wuxi
    would change nothing; a place inside a chosen one therefore replaces it
    (drilling down), as a month replaces its year.
    """
    nodes = {e["value"]: {"entry": dict(e), "children": []} for e in entries}
    roots = []
    for e in entries:
        parent = nodes.get(e["parent"]) if e.get("parent") else None
        (parent["children"] if parent else roots).append(nodes[e["value"]])

    def mark(node) -> bool:
        node["chosen_inside"] = any([mark(c) for c in node["children"]])
        return node["entry"]["selected"] or node["chosen_inside"]

    for root in roots:
        mark(root)

    def chosen(node) -> bool:
        return node["entry"]["selected"] or node["chosen_inside"]

    def arrange(level: list[dict], chosen_above: frozenset, parent_count: int) -> dict:
        level.sort(key=lambda n: (-n["entry"]["count"], n["entry"]["label"]))
        for node in level:
            if chosen_above and not node["entry"]["selected"]:
                node["entry"]["toggle_url"] = _drill_down_url(
                    args, chosen_above, node["entry"]["value"]
                )
        limited = _limited(level, TREE_LIMIT, chosen)
        for node in limited["shown"]:
            node["level"] = None
            count = node["entry"]["count"]
            if node["children"] and (count >= parent_count or chosen(node)):
                above = chosen_above
                if node["entry"]["selected"]:
                    above = above | {node["entry"]["value"]}
                node["level"] = arrange(node["children"], above, count)
        return limited

    return arrange(roots, frozenset(), max((r["entry"]["count"] for r in roots), default=0))


def _drill_down_url(args: MultiDict, replaced_ids: frozenset, value: str) -> str:
    pairs = []
    for k, v in args.items(multi=True):
        if k == "page":
            continue
        if k == "location" and set(resolve_places(v.split("|"))[0]) & replaced_ids:
            continue
        pairs.append((k, v))
    pairs.append(("location", value))
    return "/?" + urlencode(pairs)


def _limited(items: list, limit: int, keep) -> dict:
    shown = [x for i, x in enumerate(items) if i < limit or keep(x)]
    more = [x for i, x in enumerate(items) if i >= limit and not keep(x)]
    return {"shown": shown, "more": more}
