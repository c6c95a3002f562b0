"""Gunicorn settings for an app server: ``gunicorn -c trainer/gunicorn.conf.py``.

Every value can be overridden from the environment (docs/deployment.md). The defaults
suit one app server behind a load balancer that terminates TLS and buffers slow clients.
"""

import gc
import os

wsgi_app = "trainer.wsgi:application"

# Where to listen: BIND ("10.0.0.5:8000", "unix:/run/trainer.sock"), else PORT on every
# interface (the container convention), else loopback only.
if os.environ.get("BIND"):
    bind = os.environ["BIND"]
elif os.environ.get("PORT"):
    bind = f"0.0.0.0:{os.environ['PORT']}"
else:
    bind = "127.0.0.1:8000"

# Two processes per core, two threads each: a request waits on PostgreSQL for about a
# quarter of its time, and the second thread serves another request meanwhile. More
# threads per process cost CPU (they contend for one GIL); more processes on two cores
# measured slower in scripts/bench.py. Capped because each thread holds its own database
# connection (workers x threads per server; mind max_connections).
workers = int(
    os.environ.get("WEB_CONCURRENCY")
    or min(2 * (os.cpu_count() or 1), int(os.environ.get("MAX_WORKERS", "16")))
)
threads = int(os.environ.get("THREADS", "2"))
# gunicorn's threaded worker, which keeps client connections alive between requests,
# taking new connections only while it has a thread free (trainer/workers.py), so a
# request never queues in a busy worker while another worker sits idle.
worker_class = "trainer.workers.BalancedThreadWorker"

timeout = int(os.environ.get("TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("KEEPALIVE", "5"))
# Restart a worker now and then, staggered, so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("MAX_REQUESTS_JITTER", "500"))

# Import the application once in the master: workers fork from it and share its memory
# pages, and a broken deploy fails at start rather than in every worker.
preload_app = os.environ.get("PRELOAD", "1") != "0"


def pre_fork(server, worker):
    """Freeze what the master has built (the preloaded application) before each fork.

    A worker's full garbage collection then skips those objects: it pauses for a few
    milliseconds instead of tens, and leaves the memory pages it shares with the master
    unwritten.
    """
    gc.freeze()


# Logs go to stdout/stderr, where the platform collects them; no file on local disk.
accesslog = os.environ.get("ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info").lower()
# Behind a proxy: honour X-Forwarded-For from these addresses for the access log.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
