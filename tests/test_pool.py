"""The worker pool's start-up: containers are launched before the caller goes on."""

import threading
import time

from rlcode.scoring.pool import ThreadExecutor, Worker


class _SlowBackend:
    """Opens a session in ``open_s`` seconds; the launch (``on_launch``) comes first, as when a
    container's start request has gone to the daemon."""

    def __init__(self, open_s: float, launches: bool = True):
        self.open_s, self.launches = open_s, launches
        self.opened = threading.Event()

    def open_session(self, language, on_launch=None):
        if on_launch is not None and self.launches:
            on_launch()
        time.sleep(self.open_s)
        self.opened.set()

        class Session:
            broken = False

            def close(self):
                pass

        return Session()

    def release(self, session):
        session.close()


def test_prestart_returns_once_every_worker_has_launched_not_when_open():
    backend = _SlowBackend(open_s=1.0)
    pool = ThreadExecutor(2, lambda: Worker(backend, retries=0))
    started = time.monotonic()
    pool.prestart(["python"])
    assert time.monotonic() - started < 0.5  # launched at once; opening takes a second more
    assert not backend.opened.is_set()
    pool.close()
    assert backend.opened.is_set()  # close waited for the sessions being opened


def test_prestart_waits_a_bounded_time_for_a_launch_that_does_not_come():
    backend = _SlowBackend(open_s=3.0, launches=False)
    pool = ThreadExecutor(2, lambda: Worker(backend, retries=0))
    started = time.monotonic()
    pool.prestart(["python"])
    waited = time.monotonic() - started
    assert ThreadExecutor.LAUNCH_WAIT_S - 0.05 <= waited < ThreadExecutor.LAUNCH_WAIT_S + 0.5
    pool.close()
