"""The Slack Web API client Auditbot uses, with its retry policy."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator

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
_SDK_LOGGER = logging.getLogger("bot.slack_client.sdk")
if _SDK_LOGGER.level == logging.NOTSET:
    _SDK_LOGGER.setLevel(logging.INFO)

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


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
    The 429 handler always waits what Slack's `Retry-After` header says.
    """
    interval = retry_interval or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    client = WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        logger=_SDK_LOGGER,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
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
