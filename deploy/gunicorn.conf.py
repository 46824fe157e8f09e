"""gunicorn settings for newsarchive (`gunicorn -c deploy/gunicorn.conf.py`).

Search is CPU-bound: one worker per core, a few threads each so a slow
client does not hold a core. `preload_app` imports the app (and loads
jieba's dictionary and the gazetteer, see service.search_index.warm_up) once
in the master, so forked workers share those pages instead of each loading
its own. `post_fork` then has each worker open and warm its index view
before it takes a request (see service.search_index.open_in_worker), so no
user request waits for the index to open. Every value can be overridden by environment variables
(NEWSARCHIVE_BIND, NEWSARCHIVE_WORKERS, NEWSARCHIVE_THREADS, ...).
"""

import multiprocessing
import os

import gunicorn.http.wsgi

# gunicorn names itself in a `Server` header on every response (older
# versions with their version number); a public answer should not say what
# runs behind it. Each response reads this module attribute when it is made,
# and workers fork from the master that reads this file.
gunicorn.http.wsgi.SERVER = "newsarchive"

wsgi_app = "service:create_app()"
bind = os.environ.get("NEWSARCHIVE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("NEWSARCHIVE_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("NEWSARCHIVE_THREADS", 4))
preload_app = True
timeout = int(os.environ.get("NEWSARCHIVE_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("NEWSARCHIVE_MAX_REQUESTS", 0))
max_requests_jitter = 100
limit_request_line = 8190
# An empty NEWSARCHIVE_ACCESS_LOG turns the access log off (nginx keeps one);
# gunicorn itself would try to open a file named "".
accesslog = os.environ.get("NEWSARCHIVE_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("NEWSARCHIVE_LOG_LEVEL", "info")
proc_name = "newsarchive"
forwarded_allow_ips = os.environ.get("NEWSARCHIVE_FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn's control socket (`gunicornc`) defaults to a path under $HOME that
# every gunicorn of the same user shares and that systemd's ProtectHome makes
# read-only; it is on only where NEWSARCHIVE_CONTROL_SOCKET names a path
# (deploy/newsarchive.service puts it in /run/newsarchive).
_control_socket = os.environ.get("NEWSARCHIVE_CONTROL_SOCKET")
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True


def post_fork(server, worker):
    """Each worker opens and warms its index view before it takes a request."""
    from service.search_index import open_in_worker

    open_in_worker(worker.app.wsgi())
