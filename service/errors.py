"""Errors as JSON `{"error": {"code", "message"}}` for the API, pages for people.

No request may end in a stack trace: every HTTPException keeps its status
and gets a body in the right format, and anything unexpected is logged and
answered with a plain 500 that leaks nothing. No answer names a path on the
server either: such details go to the log.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.search.errors import (
    BackendUnavailable,
    FilterError,
    IndexMissing,
    NotSupported,
    QueryTooExpensive,
)
from indexer.search.query import QueryError
from service.params import ParamError

CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    414: "uri_too_long",
    429: "too_many_requests",  # the shipped nginx site answers these itself
    503: "unavailable",
}


INDEX_MISSING_MESSAGE = "there is no search index yet; it is being built or must be built"
BACKEND_UNAVAILABLE_MESSAGE = "the search engine cannot answer right now; try again shortly"


def wants_json() -> bool:
    # A feed reader is a program too: /feed.atom fails as the API does.
    return request.path.startswith("/api/") or request.path in ("/healthz", "/feed.atom")


def error_response(status: int, code: str, message: str):
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    return render_template("pages/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ParamError)
    def param_error(exc: ParamError):
        return error_response(400, exc.code, str(exc))

    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        return error_response(400, exc.code, str(exc))

    @app.errorhandler(FilterError)
    def filter_error(exc: FilterError):
        return error_response(400, "invalid_parameter", str(exc))

    @app.errorhandler(QueryTooExpensive)
    def too_expensive(exc: QueryTooExpensive):
        return error_response(503, exc.code, str(exc))

    @app.errorhandler(IndexMissing)
    def index_missing(exc: IndexMissing):
        # The exception names the index folder: that goes to the log, not to clients.
        app.logger.warning("%s", exc)
        return error_response(503, "index_missing", INDEX_MISSING_MESSAGE)

    @app.errorhandler(NotSupported)
    def not_supported(exc: NotSupported):
        return error_response(501, exc.code, str(exc))

    @app.errorhandler(BackendUnavailable)
    def backend_unavailable(exc: BackendUnavailable):
        # The exception names hosts and what failed: the log's business, not clients'.
        app.logger.warning("search backend unavailable: %s", exc)
        response = app.make_response(error_response(503, exc.code, BACKEND_UNAVAILABLE_MESSAGE))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        response = error_response(status, CODES.get(status, "error"), exc.description or "")
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, "internal_error", "internal error; it has been logged")
