"""The gunicorn worker the app servers run: gunicorn's threaded worker, balanced.

gunicorn's ``gthread`` worker accepts a new connection whenever one arrives, even while
all its threads are busy; the request then waits in that worker although another sits
idle. With keep-alive connections the mismatch lasts as long as the connection, so a
few clients can share one busy process for good. This worker listens for new
connections only while it has a thread free: a connection goes to a worker that can
serve it now, or waits in the kernel's queue for the first one that can.
"""

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):
    def busy(self) -> bool:
        """Every thread has a request (kept-alive and pending connections hold none)."""
        in_flight = self.nr_conns - len(self.keepalived_conns) - len(self.pending_conns)
        return in_flight >= self.cfg.threads

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled and not self.busy())

    def enqueue_req(self, conn):
        super().enqueue_req(conn)
        if self.busy():
            super().set_accept_enabled(False)
