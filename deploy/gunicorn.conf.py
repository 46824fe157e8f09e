"""gunicorn settings for newsarchive (`gunicorn -c deploy/gunicorn.conf.py`).

Search is CPU-bound: one worker per core, a few threads each so a slow
client does not hold a core. `preload_app` imports the app (and loads
jieba's dictionary and the gazetteer, see service.search_index.warm_up) once
in the master, so forked workers share those pages instead of each loading
its own. Every value can be overridden by environment variables
(NEWSARCHIVE_BIND, NEWSARCHIVE_WORKERS, NEWSARCHIVE_THREADS, ...).
"""

import multiprocessing
import os

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
accesslog = os.environ.get("NEWSARCHIVE_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("NEWSARCHIVE_LOG_LEVEL", "info")
proc_name = "newsarchive"
forwarded_allow_ips = os.environ.get("NEWSARCHIVE_FORWARDED_ALLOW_IPS", "127.0.0.1")
