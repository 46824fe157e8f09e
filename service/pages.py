"""The server-rendered search page (GET /) and article page (GET /doc/<id>).

It renders the same result object as /api/search (`service.results`)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from service.params import search_request
from service.results import result_object
from service.search_index import get_searcher

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    req = search_request(request.args)
    result = get_searcher().search(req)
    body = result_object(result, req, request.args, "/")
    return render_template("pages/search.html", result=body)


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    doc = get_searcher().document(doc_id[:64], q=request.args.get("q") or None)
    if doc is None:
        abort(404, description="no such article")
    return render_template("pages/document.html", doc=doc)
