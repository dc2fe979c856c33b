"""Files people give Auditbot in Slack (a form's file input, or a file shared in its DM): found
with files.info, then downloaded from `url_private_download` with the bot token, as Slack
requires (`Authorization: Bearer`). The token is only ever sent to Slack's own hosts, or to the
Web API's host when `SLACK_API_URL` points elsewhere (the stand-in, a proxy)."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

DOWNLOAD_ATTEMPTS = 3
DOWNLOAD_TIMEOUT_SECONDS = 30
RETRY_WAIT_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 10.0


@dataclass(frozen=True)
class SlackFile:
    file_id: str
    name: str
    content: bytes


class DownloadFailed(Exception):
    """The file could not be had from Slack; the message says why, fit to show a person."""


class NotWanted(DownloadFailed):
    """The file's name does not end with the suffix asked for: it was not downloaded."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def download_file(client: WebClient, file_id: str, *, max_bytes: int, suffix: str) -> SlackFile:
    """The file's name and bytes (at most `max_bytes`), or DownloadFailed; a file whose name
    does not end with `suffix` (any case) is not downloaded (NotWanted)."""
    try:
        info = client.files_info(file=file_id)
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else "no answer"
        raise DownloadFailed(f"Slack would not give me the file ({code})") from error
    file = info.get("file") or {}
    name = str(file.get("name") or file_id)
    if not name.lower().endswith(suffix.lower()):
        raise NotWanted(name)
    if int(file.get("size") or 0) > max_bytes:
        raise DownloadFailed(f"{name} is larger than {max_bytes // 1_000_000} MB")
    url = str(file.get("url_private_download") or file.get("url_private") or "")
    if not _is_slack_address(url, client.base_url):
        raise DownloadFailed(f"Slack gave no download address I trust for {name}")
    return SlackFile(file_id, name, _get(url, client.token or "", max_bytes, name))


def _is_slack_address(url: str, api_url: str) -> bool:
    parts, api = urlsplit(url), urlsplit(api_url)
    host = parts.hostname or ""
    if parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com")):
        return True
    return bool(host) and (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


def _get(url: str, token: str, max_bytes: int, name: str) -> bytes:
    """GET with the bot token; connection errors, 429 and 5xx are tried again."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
                if "text/html" in (response.headers.get("Content-Type") or ""):
                    # Slack's answer to a request it did not accept: a sign-in page.
                    raise DownloadFailed(f"Slack did not let me download {name}")
                content = response.read(max_bytes + 1)
        except urllib.error.HTTPError as error:
            retryable = error.code == 429 or error.code >= 500
            if not retryable or attempt == DOWNLOAD_ATTEMPTS:
                raise DownloadFailed(f"Slack answered {error.code} to the download") from error
            _wait(error.headers.get("Retry-After"), error)
            continue
        except (urllib.error.URLError, OSError) as error:
            if attempt == DOWNLOAD_ATTEMPTS:
                raise DownloadFailed("Slack could not be reached to download the file") from error
            _wait(None, error)
            continue
        if len(content) > max_bytes:
            raise DownloadFailed(f"{name} is larger than {max_bytes // 1_000_000} MB")
        return content
    raise DownloadFailed("Slack could not be reached to download the file")  # not reached


def _wait(retry_after: str | None, error: Exception) -> None:
    log.warning("download of a Slack file failed (%s); trying again", error)
    try:
        seconds = min(float(retry_after), MAX_RETRY_AFTER_SECONDS) if retry_after else None
    except ValueError:
        seconds = None
    time.sleep(seconds if seconds is not None else RETRY_WAIT_SECONDS)
