"""The Slack Web API client Auditbot uses, with its retry policy."""

from __future__ import annotations

import logging
import random
import time
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Slack error codes that retrying will not fix: the outbox marks such a message failed at once.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "missing_scope",
    }
)

RATE_LIMIT_RETRIES = 5
CONNECTION_RETRIES = 2
SERVER_ERROR_RETRIES = 2

# slack_sdk logs whole request bodies (message text, so case references) at DEBUG level. The
# client gets its own logger, kept at INFO unless someone sets it lower on purpose.
_SDK_LOGGER = logging.getLogger("bot.slack.client.sdk")
if _SDK_LOGGER.level == logging.NOTSET:
    _SDK_LOGGER.setLevel(logging.INFO)

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Spread of the wait after a 429, as a share of Retry-After: enough that two instances don't
# retry in lockstep. slack_sdk's own handler adds up to a whole second, which for a 1-second
# Retry-After nearly doubles every wait of a large fan-out.
RETRY_AFTER_JITTER = 0.1


class RetryAfterHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after the `Retry-After` seconds Slack asked for, plus a little jitter."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        seconds = _retry_after(response)
        time.sleep(seconds * (1 + random.uniform(0, RETRY_AFTER_JITTER)))
        state.increment_current_attempt()


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(1.0, float(values[0]))
            except ValueError:
                break
    return 1.0


def build_web_client(
    token: str,
    base_url: str,
    *,
    timeout: int = 30,
    retry_interval: RetryIntervalCalculator | None = None,
) -> WebClient:
    """A WebClient that retries 429s (after `Retry-After`), connection errors and 500/503s.

    `retry_interval` sets the pause between connection and server-error retries (default:
    exponential backoff, 0.5s then 1s, plus up to 1s of jitter); tests pass a zero interval.
    The 429 handler waits what Slack's `Retry-After` header says (plus up to 10%).
    """
    interval = retry_interval or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    client = WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        logger=_SDK_LOGGER,
        retry_handlers=[
            RetryAfterHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ConnectionErrorRetryHandler(
                max_retry_count=CONNECTION_RETRIES, interval_calculator=interval
            ),
            ServerErrorRetryHandler(
                max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=interval
            ),
        ],
    )
    if urlsplit(base_url).hostname in _LOOPBACK_HOSTS:
        # slack_sdk takes HTTPS_PROXY/HTTP_PROXY from the environment and ignores NO_PROXY; a
        # local stand-in (`auditbot demo`, tests) must be reached directly.
        client.proxy = None
    return client
