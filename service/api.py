"""The JSON API: /api/search, /api/documents/<id>, /api/openapi.json, /healthz."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from indexer.disk import disk_space
from indexer.search.errors import BackendUnavailable, IndexMissing
from service.errors import BACKEND_UNAVAILABLE_MESSAGE, INDEX_MISSING_MESSAGE
from service.openapi import openapi_spec
from service.params import search_request
from service.results import result_object
from service.search_index import check_grouping, get_searcher
from service.source_paths import public_document

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    req = search_request(request.args)
    check_grouping(req)
    result = get_searcher().search(req)
    body = result_object(result, req, request.args, "/api/search")
    response = jsonify(body)
    response.headers["Link"] = f'<{body["links"]["html"]}>; rel="alternate"; type="text/html"'
    return response


@bp.get("/api/documents/<doc_id>")
def document(doc_id: str):
    if len(doc_id) > 64:
        abort(404, description=f"no document {doc_id[:64]!r}")
    q = request.args.get("q") or None
    doc = get_searcher().document(doc_id, q=q)
    if doc is None:
        abort(404, description=f"no document {doc_id!r}")
    return jsonify(public_document(doc))


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(openapi_spec())


@bp.get("/healthz")
def healthz():
    searcher = get_searcher()
    try:
        stats = searcher.stats()
    except IndexMissing as exc:
        current_app.logger.warning("%s", exc)
        response = jsonify({"status": "unavailable", "message": INDEX_MISSING_MESSAGE})
        response.status_code = 503
        return response
    except BackendUnavailable as exc:
        # A load balancer takes this worker out until the cluster answers again;
        # nothing needs restarting, the next check tries the nodes afresh.
        current_app.logger.warning("search backend unavailable: %s", exc)
        error = {"code": exc.code, "message": BACKEND_UNAVAILABLE_MESSAGE}
        response = jsonify(
            {"status": "unavailable", "message": BACKEND_UNAVAILABLE_MESSAGE, "error": error}
        )
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    # Low disk space is a warning, not a failure: search still works, only
    # the next indexing run is at risk, so a load balancer keeps this worker.
    disk = disk_space(current_app.config["INDEX"], current_app.config["MIN_FREE_MB"])
    warnings = [w for w in (disk.warning(),) if w]
    return jsonify(
        {
            "status": "warning" if warnings else "ok",
            "backend": stats.get("backend", "whoosh"),
            "documents": stats["documents"],
            "generation": stats["generation"],
            "segments": stats["segments"],
            "last_update": stats["last_update"],
            "last_change": stats["last_change"],
            "disk": disk.as_dict(),
            "warnings": warnings,
        }
    )
