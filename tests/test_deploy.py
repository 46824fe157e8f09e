"""The files in deploy/ are checked by the tools that will read them in production.

Shipped files name production paths (/opt/newsarchive, /etc/newsarchive,
/var/lib/newsarchive, port 8000 and 80). Each test renders a copy with this
checkout's paths and free loopback ports put in, and fails when a path it
expects to replace is no longer in the file, so the files and the tests cannot
drift apart silently. Nothing here touches the system's nginx, systemd or
cron configuration.

The nginx helpers (`render_nginx_site`, `start_nginx`) are shared with
tests/test_reindex_e2e.py.
"""

from __future__ import annotations

import gzip
import http.client
import itertools
import json
import os
import re
import runpy
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import SEEDS
from .servers import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PROD_CHECKOUT = "/opt/newsarchive"
PROD_ENV_FILE = "/etc/newsarchive/newsarchive.env"
PROD_LOG_DIR = "/var/log/newsarchive"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
CRONTAB = shutil.which("crontab")


def require_tool(path: str | None, name: str, package: str) -> str:
    """Skip on a developer machine without the tool; fail in CI, which installs it."""
    if path:
        return path
    message = f"{name} is not installed (apt-get install {package})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def sub_once(text: str, old: str, new: str) -> str:
    count = text.count(old)
    assert count == 1, f"expected {old!r} exactly once in the shipped file, found {count}"
    return text.replace(old, new)


def newsarchive_command() -> str:
    """The `newsarchive` console script of this virtualenv, or its module form."""
    script = Path(sys.executable).parent / "newsarchive"
    if script.exists():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m indexer.cli"


# -- nginx ----------------------------------------------------------------------


SHIPPED_RATES = ("rate=5r/s;", "rate=30r/m;")


def render_nginx_site(
    listen_port: int, upstream_port: int, static_dir: Path, shipped_rate_limits: bool = False
) -> str:
    """The shipped site on loopback ports, serving `static_dir`.

    The per-address rate limits stay as shipped only where asked for: tests
    that query through nginx faster than any person (the re-index end-to-end
    test's client threads, all from 127.0.0.1) would otherwise measure the
    limits instead of what they are about.
    """
    site = (DEPLOY / "nginx-newsarchive.conf").read_text("utf-8")
    if not shipped_rate_limits:
        for rate in SHIPPED_RATES:
            site = sub_once(site, rate, "rate=100000r/s;")
    site = sub_once(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
    site = sub_once(site, "listen 80;", f"listen 127.0.0.1:{listen_port};")
    site = sub_once(site, "listen [::]:80;\n", "")
    site = sub_once(
        site, f"alias {PROD_CHECKOUT}/service/static/;", f"alias {static_dir.resolve()}/;"
    )
    return site


def write_nginx_conf(workdir: Path, site: str) -> Path:
    """A minimal nginx.conf around the site, everything nginx writes under `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "site.conf").write_text(site, "utf-8")
    # As root, nginx's workers would otherwise drop to a user that cannot read
    # pytest's private temporary folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
daemon off;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/site.conf;
}}
""",
        "utf-8",
    )
    return conf


def nginx_args(conf: Path) -> list[str]:
    return [NGINX, "-p", str(conf.parent), "-e", str(conf.parent / "error.log"), "-c", str(conf)]


def nginx_check(conf: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*nginx_args(conf), "-t"], capture_output=True, text=True, timeout=30)


def start_nginx(conf: Path, port: int) -> subprocess.Popen:
    """nginx in the foreground (`daemon off`), waiting until it accepts connections."""
    checked = nginx_check(conf)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(
        nginx_args(conf),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stdout.read().decode(errors="replace"))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("HEAD", "/static/")
            server = conn.getresponse().getheader("Server", "")
            conn.close()
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
            continue
        # Whoever else holds the port (nginx keeps retrying its bind for a
        # while) must not pass for nginx.
        if server != "nginx":
            stop(proc)
            raise RuntimeError(f"port {port} is answered by {server!r}, not nginx")
        return proc
    stop(proc)
    raise RuntimeError("nginx did not start within 20 s")


def stop_nginx(proc: subprocess.Popen) -> None:
    """Graceful stop (SIGQUIT lets workers finish), then the usual SIGTERM path."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    stop(proc)
    if proc.stdout:
        proc.stdout.close()


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """(status, headers, body) over loopback; the body is returned as sent (not unzipped)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


class _EchoUpstream(BaseHTTPRequestHandler):
    """Stands in for gunicorn: answers with what nginx sent it."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._reply()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._reply()

    def _reply(self):
        body = json.dumps(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "padding": "newsarchive " * 200,  # worth compressing
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nginx_in_front_of_stub(tmp_path):
    require_tool(NGINX, "nginx", "nginx")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _EchoUpstream)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    static_dir = tmp_path / "static"
    shutil.copytree(ROOT / "service" / "static", static_dir)
    (static_dir / "probe.css").write_text("body { color: #123456; }\n" * 40, "utf-8")
    port = free_port()
    site = render_nginx_site(port, upstream.server_address[1], static_dir, shipped_rate_limits=True)
    proc = start_nginx(write_nginx_conf(tmp_path / "nginx", site), port)
    try:
        yield port
    finally:
        stop_nginx(proc)
        upstream.shutdown()
        upstream.server_close()


def test_shipped_nginx_site_passes_nginx_t(tmp_path):
    require_tool(NGINX, "nginx", "nginx")
    site = render_nginx_site(
        free_port(), free_port(), ROOT / "service" / "static", shipped_rate_limits=True
    )
    result = nginx_check(write_nginx_conf(tmp_path, site))
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_nginx_serves_static_files_itself_with_long_cache_headers(nginx_in_front_of_stub):
    port = nginx_in_front_of_stub
    status, headers, body = request(port, "GET", "/static/probe.css")
    assert status == 200 and b"#123456" in body
    assert headers["Content-Type"].startswith("text/css")
    cache = headers.get_all("Cache-Control")
    assert "public" in cache and "max-age=2592000" in cache  # 30 days
    assert headers["Expires"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    # Answered by nginx, not passed on to the app (the stub would say 200).
    assert request(port, "GET", "/static/missing.css")[0] == 404


def test_nginx_proxies_to_gunicorn_with_forwarded_headers_and_gzip(nginx_in_front_of_stub):
    port = nginx_in_front_of_stub
    status, headers, body = request(
        port, "GET", "/api/search?q=%E6%B1%9F%E9%98%B4", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    echoed = json.loads(gzip.decompress(body))
    assert echoed["path"] == "/api/search?q=%E6%B1%9F%E9%98%B4"
    sent = echoed["headers"]
    assert sent["x-forwarded-for"] == "127.0.0.1"
    assert sent["x-forwarded-proto"] == "http"
    assert sent["x-real-ip"] == "127.0.0.1"
    assert "connection" not in sent  # HTTP/1.1 keep-alive to gunicorn, not "close"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "nginx/" not in headers.get("Server", "")


def test_nginx_refuses_oversized_bodies_and_headers(nginx_in_front_of_stub):
    port = nginx_in_front_of_stub
    assert request(port, "POST", "/api/search", body=b"x" * 1000)[0] == 200
    assert request(port, "POST", "/api/search", body=b"x" * (64 * 1024))[0] == 413
    assert request(port, "GET", "/api/search?q=" + "a" * 9000)[0] == 414


def test_nginx_site_serves_the_folder_flask_serves_static_files_from():
    from service import create_app

    app = create_app({"TESTING": True})
    site = (DEPLOY / "nginx-newsarchive.conf").read_text("utf-8")
    match = re.search(r"location (\S+) \{\s*alias (\S+);", site)
    assert match, "the site has no `location ... { alias ...; }` for static files"
    location, alias = match.groups()
    assert location == app.static_url_path + "/"
    relative = Path(alias).relative_to(PROD_CHECKOUT)
    assert (ROOT / relative).resolve() == Path(app.static_folder).resolve()


# -- systemd --------------------------------------------------------------------

UNITS = ("newsarchive.service", "newsarchive-index.service", "newsarchive-index.timer")


def unit_settings(name: str) -> dict[str, list[str]]:
    """`Key=value` lines of a unit (repeated keys kept in order), ignoring sections."""
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def render_units(target: Path) -> list[Path]:
    """Copies whose ExecStart= programs exist here (verify checks that they do)."""
    target.mkdir(parents=True, exist_ok=True)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    newsarchive = Path(sys.executable).parent / "newsarchive"
    if not newsarchive.exists():
        newsarchive = gunicorn  # the console script appears with `pip install -e .`
    paths = []
    for name in UNITS:
        text = (DEPLOY / name).read_text("utf-8")
        text = text.replace(f"{PROD_CHECKOUT}/.venv/bin/gunicorn", str(gunicorn))
        text = text.replace(f"{PROD_CHECKOUT}/.venv/bin/newsarchive", str(newsarchive))
        text = text.replace(PROD_CHECKOUT, str(ROOT))
        (target / name).write_text(text, "utf-8")
        paths.append(target / name)
    return paths


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    tool = require_tool(SYSTEMD_ANALYZE, "systemd-analyze", "systemd")
    paths = render_units(tmp_path)
    result = subprocess.run(
        [tool, "verify", *map(str, paths)], capture_output=True, text=True, timeout=60
    )
    ours = [line for line in result.stderr.splitlines() if "newsarchive" in line]
    assert result.returncode == 0 and not ours, result.stderr


def test_systemd_units_are_hardened_by_systemd_analyze_security(tmp_path):
    tool = require_tool(SYSTEMD_ANALYZE, "systemd-analyze", "systemd")
    for path in render_units(tmp_path)[:2]:
        result = subprocess.run(
            [tool, "security", "--offline=true", "--no-pager", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        match = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
        if match is None and "offline" in result.stderr:
            pytest.skip(f"this systemd-analyze cannot judge units offline: {result.stderr}")
        assert match, result.stdout + result.stderr
        # 0 is a fully locked-down unit, 10 an unprotected one; systemd calls <= 2 "OK".
        assert float(match.group(1)) <= 2.0, result.stdout


def test_systemd_units_run_unprivileged_restart_and_are_hardened():
    for name in UNITS[:2]:
        unit = unit_settings(name)
        assert unit["User"] == ["newsarchive"] and unit["Group"] == ["newsarchive"]
        assert unit["EnvironmentFile"] == [PROD_ENV_FILE]
        for key, value in {
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "ProtectHome": "yes",
            "PrivateTmp": "yes",
            "CapabilityBoundingSet": "",
        }.items():
            assert unit.get(key) == [value], f"{name}: {key}={value} expected"
    web = unit_settings("newsarchive.service")
    assert web["Restart"] == ["on-failure"] and web["Type"] == ["notify"]
    assert web["ExecStart"] == [
        f"{PROD_CHECKOUT}/.venv/bin/gunicorn -c {PROD_CHECKOUT}/deploy/gunicorn.conf.py"
    ]
    index = unit_settings("newsarchive-index.service")
    assert index["Type"] == ["oneshot"]
    assert shlex.split(index["ExecStart"][0])[1:] == ["index", "--wait", "60"]
    assert index["SuccessExitStatus"] == ["75"]  # busy is not a failure; 1 is
    assert index["StateDirectory"] == ["newsarchive"]  # /var/lib/newsarchive, writable here
    env = read_env_file(DEPLOY / "newsarchive.env")
    assert env["NEWSARCHIVE_INDEX"].startswith("/var/lib/newsarchive/")


def test_index_timer_fires_every_15_minutes():
    tool = require_tool(SYSTEMD_ANALYZE, "systemd-analyze", "systemd")
    timer = unit_settings("newsarchive-index.timer")
    assert timer["Unit"] == ["newsarchive-index.service"]
    assert timer["Persistent"] == ["true"]
    (spec,) = timer["OnCalendar"]
    result = subprocess.run(
        [tool, "calendar", "--iterations=6", spec],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "TZ": "UTC", "SYSTEMD_COLORS": "0"},
    )
    assert result.returncode == 0, result.stderr
    stamps = re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", result.stdout)
    times = [datetime.strptime(s, "%Y-%m-%d %H:%M:%S") for s in stamps]
    gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(times)}
    assert len(times) == 6 and gaps == {900.0}, result.stdout


# -- environment file and gunicorn settings -------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as both systemd's EnvironmentFile= and `sh -c '. file'` read them."""
    env = {}
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(\S*)", line)
        assert match, f"{path.name}:{number}: not a plain KEY=value line: {line!r}"
        env[match.group(1)] = match.group(2)
    return env


def render_env_file(target: Path, **values: str) -> Path:
    """The shipped environment file with some values replaced (each must be there)."""
    lines = []
    seen = set()
    for line in (DEPLOY / "newsarchive.env").read_text("utf-8").splitlines():
        key = line.partition("=")[0]
        if not line.startswith("#") and key in values:
            line = f"{key}={values[key]}"
            seen.add(key)
        lines.append(line)
    assert seen == set(values), f"not in deploy/newsarchive.env: {set(values) - seen}"
    target.write_text("\n".join(lines) + "\n", "utf-8")
    return target


def gunicorn_settings(env: dict[str, str]) -> dict:
    """deploy/gunicorn.conf.py evaluated under `env`, the way gunicorn loads it."""
    from gunicorn.config import Config

    saved = dict(os.environ)
    try:
        for key in [k for k in os.environ if k.startswith("NEWSARCHIVE_")]:
            del os.environ[key]
        os.environ.update(env)
        namespace = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    cfg = Config()
    for key, value in namespace.items():
        if key in cfg.settings:
            cfg.set(key, value)  # gunicorn's own validation
    return {key: cfg.settings[key].get() for key in cfg.settings}


def test_environment_file_names_only_known_settings():
    from indexer.settings import SETTINGS

    env = read_env_file(DEPLOY / "newsarchive.env")
    gunicorn_conf = (DEPLOY / "gunicorn.conf.py").read_text("utf-8")
    known = {"NEWSARCHIVE_" + s.name for s in SETTINGS} | {"NEWSARCHIVE_ENV_NAME"}
    for key in env:
        assert key.startswith("NEWSARCHIVE_"), key
        assert key in known or f'"{key}"' in gunicorn_conf, f"{key} is read by nothing"
    assert env["NEWSARCHIVE_ENV_NAME"] == "production"
    assert env["NEWSARCHIVE_INDEX"] and env["NEWSARCHIVE_SOURCES"]
    assert env["NEWSARCHIVE_BIND"].startswith("127.0.0.1:")  # only nginx talks to gunicorn


def test_environment_file_starts_the_app_in_production_mode(monkeypatch, seed_index):
    from service import create_app
    from service.search_index import close_searcher

    env = read_env_file(DEPLOY / "newsarchive.env")
    env["NEWSARCHIVE_INDEX"] = str(seed_index)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NEWSARCHIVE_CONFIG", raising=False)
    app = create_app()
    assert app.config["ENV_NAME"] == "production"
    assert app.config["INDEX"] == str(seed_index)
    assert app.config["BUILD_ON_START"] is False
    try:
        with app.test_client() as client:
            assert client.get("/healthz").status_code == 200
    finally:
        close_searcher(app)


def test_gunicorn_conf_with_the_environment_file():
    settings = gunicorn_settings(read_env_file(DEPLOY / "newsarchive.env"))
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["workers"] == 2 and settings["threads"] >= 1
    assert settings["worker_class"] == "gthread" and settings["preload_app"] is True
    assert settings["accesslog"] is None  # empty value: nginx keeps the access log
    assert settings["forwarded_allow_ips"] == ["127.0.0.1"]
    assert settings["control_socket_disable"] is True
    # nginx must drop idle upstream connections before gunicorn does (see the site).
    site = (DEPLOY / "nginx-newsarchive.conf").read_text("utf-8")
    nginx_idle = int(re.search(r"keepalive_timeout (\d+)s;\n\}", site).group(1))
    assert nginx_idle < settings["keepalive"]
    nginx_read = int(re.search(r"proxy_read_timeout (\d+)s;", site).group(1))
    assert nginx_read > settings["timeout"]


def test_gunicorn_control_socket_only_where_asked_for(tmp_path):
    socket = str(tmp_path / "gunicorn.ctl")
    settings = gunicorn_settings({"NEWSARCHIVE_CONTROL_SOCKET": socket})
    assert settings["control_socket"] == socket and settings["control_socket_disable"] is False
    assert gunicorn_settings({})["accesslog"] == "-"


# -- cron -----------------------------------------------------------------------

CRON_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)


def parse_cron_field(field: str, low: int, high: int) -> set[int]:
    """The values one crontab time field matches (numbers, *, ranges, lists, steps)."""
    values: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = (int(x) for x in base.split("-"))
        else:
            start = end = int(base)
            if step:
                end = high
        stride = int(step) if step else 1
        if not (low <= start <= end <= high) or stride < 1:
            raise ValueError(f"{field!r} is outside {low}-{high}")
        values.update(range(start, end + 1, stride))
    return values


def parse_crontab(text: str) -> tuple[dict[str, str], list[tuple[list[set[int]], str]]]:
    """(environment lines, [(five field value sets, command)]) of a user crontab."""
    env: dict[str, str] = {}
    jobs = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assignment = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)", line)
        if assignment:
            env[assignment.group(1)] = assignment.group(2)
            continue
        parts = line.split(None, 5)
        assert len(parts) == 6, f"not 5 time fields and a command: {line!r}"
        fields = [
            parse_cron_field(f, low, high)
            for f, (_name, low, high) in zip(parts[:5], CRON_FIELDS, strict=True)
        ]
        assert "%" not in parts[5], "cron turns % into a newline; escape it"
        jobs.append((fields, parts[5]))
    return env, jobs


def test_crontab_parser_reads_the_usual_forms():
    assert parse_cron_field("*/15", 0, 59) == {0, 15, 30, 45}
    assert parse_cron_field("5,35", 0, 59) == {5, 35}
    assert parse_cron_field("1-5", 0, 7) == {1, 2, 3, 4, 5}
    assert parse_cron_field("10/20", 0, 59) == {10, 30, 50}
    with pytest.raises(ValueError):
        parse_cron_field("61", 0, 59)


def crontab_job() -> tuple[dict[str, str], list[set[int]], str]:
    env, jobs = parse_crontab((DEPLOY / "newsarchive.crontab").read_text("utf-8"))
    assert len(jobs) == 1
    return env, *jobs[0]


def render_cron_command(command: str, env_file: Path, log_dir: Path) -> str:
    command = sub_once(command, f"{PROD_CHECKOUT}/.venv/bin/newsarchive", newsarchive_command())
    command = sub_once(command, PROD_ENV_FILE, shlex.quote(str(env_file)))
    return command.replace(PROD_LOG_DIR, str(log_dir))


def cron_environment() -> dict[str, str]:
    """The bare environment cron gives a job (plus this checkout on PYTHONPATH)."""
    return {
        "HOME": str(Path.home()),
        "LOGNAME": "newsarchive",
        "PATH": "/usr/bin:/bin",
        "SHELL": "/bin/sh",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
    }


def run_cron_command(command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=ROOT,
        env=cron_environment(),
        capture_output=True,
        text=True,
        **kwargs,
    )


def test_crontab_is_accepted_by_cron_and_runs_every_15_minutes():
    env, fields, command = crontab_job()
    assert env.get("SHELL") == "/bin/sh"
    minutes, hours, days, months, weekdays = fields
    assert minutes == {0, 15, 30, 45}
    assert hours == set(range(24)) and days == set(range(1, 32)) and months == set(range(1, 13))
    assert weekdays == set(range(8))
    assert f"{PROD_CHECKOUT}/.venv/bin/newsarchive index --wait 60" in command
    assert "nice -n 10 ionice -c 3 -t " in command  # searches go first, as with systemd
    if CRONTAB or os.environ.get("CI"):
        tool = require_tool(CRONTAB, "crontab", "cron")
        checked = subprocess.run(
            [tool, "-n", str(DEPLOY / "newsarchive.crontab")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
def cron_setup(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    index_dir = tmp_path / "index"
    env_file = render_env_file(
        tmp_path / "newsarchive.env",
        NEWSARCHIVE_INDEX=str(index_dir),
        NEWSARCHIVE_SOURCES=str(archive),
    )
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    _env, _fields, command = crontab_job()
    return index_dir, log_dir, render_cron_command(command, env_file, log_dir)


def test_crontab_command_indexes_quietly_and_logs_timestamped_lines(cron_setup):
    from indexer.index.searcher import Searcher
    from indexer.search.request import SearchRequest

    index_dir, log_dir, command = cron_setup
    result = run_cron_command(command, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "" and result.stderr == ""  # cron mails nothing
    log = (log_dir / "index.log").read_text("utf-8")
    assert re.search(r"^rebuilt: 5 added, .* 0 failed;", log, re.M), log
    assert "\r" not in log and "it/s" not in log  # no progress bar off a terminal
    stamped = [line for line in log.splitlines() if not line.startswith("rebuilt:")]
    assert stamped and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", s) for s in stamped), log
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest(q="江阴")).total >= 2

    again = run_cron_command(command, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    log = (log_dir / "index.log").read_text("utf-8")
    assert re.search(r"^indexed: 0 added, 0 updated, 0 deleted, 5 unchanged", log, re.M), log


def hold_lock(index_dir: Path, seconds: float) -> threading.Thread:
    """Hold the indexing lock in a thread for `seconds` (filelock locks are per thread)."""
    from indexer.index.store import IndexStore

    held = threading.Event()

    def run():
        with IndexStore(index_dir).lock():
            held.set()
            time.sleep(seconds)

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(30)
    return thread


def test_crontab_command_while_another_run_holds_the_lock(cron_setup):
    index_dir, log_dir, command = cron_setup
    holder = hold_lock(index_dir, 15.0)
    try:
        started = time.monotonic()
        at_once = run_cron_command(command.replace("--wait 60", "--wait 0"), timeout=120)
        busy_seconds = time.monotonic() - started
        started = time.monotonic()
        waited = run_cron_command(command.replace("--wait 60", "--wait 1"), timeout=120)
        waited_seconds = time.monotonic() - started
    finally:
        holder.join()
    for busy in (at_once, waited):
        assert busy.returncode == 0  # the `|| echo` reports the exit code instead
        assert busy.stdout.startswith("newsarchive index exited 75 "), busy.stdout
    assert busy_seconds < 10  # no waiting beyond Python's start-up
    assert waited_seconds >= 1.0
    assert "another indexing run holds" in (log_dir / "index.log").read_text("utf-8")
    assert not (index_dir / "CURRENT").exists()

    # With the shipped --wait 60 the job waits for the other run, then does its work.
    holder = hold_lock(index_dir, 3.0)
    try:
        started = time.monotonic()
        result = run_cron_command(command, timeout=300)
        waited_seconds = time.monotonic() - started
    finally:
        holder.join()
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    assert waited_seconds >= 2.0
    assert (index_dir / "CURRENT").exists()


def test_readme_deploy_section_covers_every_shipped_file():
    readme = (DEPLOY.parent / "README.md").read_text("utf-8")
    section = readme.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    for path in DEPLOY.iterdir():
        if not path.name.startswith(".") and path.suffix != ".pyc" and path.is_file():
            assert path.name in section, f"README's Deploy section does not mention {path.name}"
