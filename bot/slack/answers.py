"""Answers that follow an acknowledgement: computed one at a time, then shown in parallel.

A listener acks Slack at once and hands over the rest: `compute` (the use case: database work
and rendering) and `show` (the Slack call that shows its result: a form, or a reply on the
response_url). Computing runs on one thread. Under the GIL only one thread runs Python at a
time anyway, and every further thread computing answers makes each acknowledgement (which needs
the GIL too) wait its turn longer: at 20 concurrent `/audit status` the ack p99 was 15-21x the
bare Bolt app's with answers computed on Bolt's listener threads, 1.1-1.3x with one thread.
Showing mostly waits on Slack, so it runs on several threads: a burst of clicks does not open
its forms one Slack round trip after another (a form's trigger_id expires 3 s after the click).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Result = TypeVar("Result")
Failed = Callable[[Exception], None]


class AnswerWorkers:
    def __init__(self, show_threads: int) -> None:
        self._compute = ThreadPoolExecutor(1, thread_name_prefix="answer-compute")
        self._show = ThreadPoolExecutor(show_threads, thread_name_prefix="answer-show")

    def submit(
        self, compute: Callable[[], Result], show: Callable[[Result], None], failed: Failed
    ) -> None:
        """Run `compute`, then `show` its result; `failed` hears of an exception in either."""
        self._compute.submit(self._compute_then_show, compute, show, failed)

    def shutdown(self) -> None:
        """Finish the answers already handed over (their requests were acknowledged)."""
        self._compute.shutdown(wait=True)
        self._show.shutdown(wait=True)

    def _compute_then_show(
        self, compute: Callable[[], Result], show: Callable[[Result], None], failed: Failed
    ) -> None:
        try:
            result = compute()
        except Exception as error:
            _report(failed, error)
            return
        self._show.submit(_show, show, result, failed)


def _show(show: Callable[[Any], None], result: Any, failed: Failed) -> None:
    try:
        show(result)
    except Exception as error:
        _report(failed, error)


def _report(failed: Failed, error: Exception) -> None:
    try:
        failed(error)
    except Exception:  # an executor would keep it in a future nobody reads
        log.exception("could not report a failed answer (%s)", type(error).__name__)
