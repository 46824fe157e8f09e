"""The newsarchive web service: a JSON API and a server-rendered search page.

`create_app(test_config=None)` follows Flask's tutorial: defaults from the
settings table, then either `test_config` or a config file
(`NEWSARCHIVE_CONFIG`, default `instance/newsarchive.cfg`), then
`NEWSARCHIVE_*` environment variables. gunicorn loads `service:create_app()`.

With `ENV_NAME = "production"` (NEWSARCHIVE_ENV_NAME=production, as the
systemd unit sets), every setting marked required must have been given
explicitly; otherwise start-up stops with a message naming them, instead of
quietly serving an index from a default path.
"""

from __future__ import annotations

import os

from flask import Config, Flask

from indexer.settings import BACKEND_SETTINGS, ENV_PREFIX, SETTINGS, convert, required


class ConfigError(RuntimeError):
    """A required setting is missing or wrong; start-up stops with this message."""


def create_app(test_config: dict | None = None) -> Flask:
    from service.json_provider import FastJSONProvider

    app = Flask(__name__, instance_relative_config=True)
    app.json = FastJSONProvider(app)
    app.config.from_mapping({s.name: s.default for s in SETTINGS})
    app.config["ENV_NAME"] = "development"
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    overrides = Config(app.root_path)
    if test_config is None:
        path = os.environ.get(ENV_PREFIX + "CONFIG")
        if path:
            if not overrides.from_pyfile(os.path.abspath(path), silent=False):
                raise ConfigError(f"cannot read config file {path}")
        else:
            overrides.from_pyfile(os.path.join(app.instance_path, "newsarchive.cfg"), silent=True)
    else:
        overrides.from_mapping(test_config)
    overrides.from_prefixed_env(ENV_PREFIX.rstrip("_"), loads=str)
    overrides.pop("CONFIG", None)
    app.config.update(overrides)
    _convert_and_check(app, explicit=set(overrides))

    from indexer.analysis.segmenter import use_userdict
    from service import api, errors, exports, feeds, headers, pages, search_index

    use_userdict(app.config.get("USERDICT") or None)

    search_index.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(pages.bp)
    return app


def _convert_and_check(app: Flask, explicit: set) -> None:
    for s in SETTINGS:
        value = app.config.get(s.name)
        if isinstance(value, str) and s.type is not str:
            try:
                app.config[s.name] = convert(s, value)
            except ValueError as exc:
                raise ConfigError(
                    f"{ENV_PREFIX}{s.name}={value!r} is not a valid {s.type.__name__}"
                ) from exc
    backend = str(app.config.get("BACKEND") or "whoosh").lower()
    if backend not in BACKEND_SETTINGS:
        raise ConfigError(
            f"{ENV_PREFIX}BACKEND={backend!r} is not one of {', '.join(BACKEND_SETTINGS)}"
        )
    if str(app.config.get("ENV_NAME", "")).lower() == "production":
        missing = [ENV_PREFIX + s.name for s in required(backend) if s.name not in explicit]
        if missing:
            raise ConfigError(
                "newsarchive: in production these settings must be set explicitly: "
                + ", ".join(missing)
            )
