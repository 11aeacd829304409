"""A fixed clock for the child processes that write run files with the real wandb SDK, so that
what the SDK takes from the clock is the same on any machine, busy or idle.

What wandb 0.31 takes from which clock (read in its source, checked on files it wrote here):

- Python's ``time.time()`` in the writing process: the run's ``start_time``
  (``wandb/sdk/wandb_run.py`` ``Run.__init__``: ``self._start_time = time.time()``, sent in the
  run record by ``wandb/sdk/interface/interface.py`` ``_make_run``), ``settings.x_start_time``
  (``wandb/sdk/wandb_init.py``; it names the ``offline-run-<date>_<time>-<id>`` folder) and
  every history row's ``_timestamp`` (``interface.py`` ``publish_partial_history``: set to
  ``time.time()`` only when the row has none; a ``_timestamp`` logged by the script is kept).
- wandb-core's own clock (Go, ``time.Now()``, in its process): every history row's
  ``_runtime`` (``core/internal/stream/handler.go`` ``flushPartialHistory``:
  ``h.runTimer.Elapsed()``, written over any ``_runtime`` the script logged), the exit record's
  ``runtime`` (``handleExit``, whole seconds), the summary's ``_runtime`` and
  ``_wandb.runtime`` (``updateRunTiming``) and the system metrics' timestamps. The timer
  (``core/internal/timer/timer.go``) starts when the run starts and only a resume offset
  (whole seconds, from a server) or a pause moves it otherwise. Go reads the time through the
  kernel's vDSO, not through the C library, so no clock set in the writing process reaches it.

So a writer that sets ``time.time`` before it imports wandb gets the same start times and
``_timestamp`` values on every machine; ``_runtime`` and the exit runtime stay the machine's
real elapsed time (small: the writers do not sleep), and tests read those from the files. Code
that needs the writer's clock rather than wandb-core's (the frame critic's stores) takes
``_timestamp - start_time``: tests/critic_stores.py.
"""

from __future__ import annotations

# 2025-08-07 10:00:00 UTC: every writer's clock starts here
START = 1754560800.0

# Prepended to a writer's script, before ``import wandb``: ``clock.tick(s)`` lets ``s`` seconds
# of training pass, ``clock.at(t)`` sets the clock to ``START + t``. Deadlines for waiting on
# other processes use time.monotonic(), which stays the real clock.
CLOCK = f"""
import time as _time

class _FixedClock:
    def __init__(self, start):
        self.start = start
        self.now = start

    def __call__(self):
        return self.now

    def tick(self, seconds):
        self.now += seconds

    def at(self, seconds):
        self.now = self.start + seconds

clock = _FixedClock({START!r})
_time.time = clock
"""
