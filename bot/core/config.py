"""Settings from the environment, read once at start and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import ConfigError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///auditbot.db"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    policy_path: Path | None = None
    timezone: ZoneInfo = ZoneInfo("Europe/London")
    port: int = 3000

    def require_bot_token(self, command: str) -> str:
        if not self.slack_bot_token:
            raise ConfigError(f"`auditbot {command}` needs SLACK_BOT_TOKEN (the xoxb- bot token).")
        return self.slack_bot_token

    def require_signing_secret(self) -> str:
        if not self.slack_signing_secret:
            raise ConfigError(
                "`auditbot serve` in HTTP mode needs SLACK_SIGNING_SECRET "
                "(or set SLACK_APP_TOKEN to use Socket Mode)."
            )
        return self.slack_signing_secret


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the contract's environment variables; a bad value names the variable."""
    env = os.environ if environ is None else environ
    api_url = env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto the base URL
    tz_name = env.get("AUDITBOT_TZ") or "Europe/London"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"AUDITBOT_TZ: unknown time zone {tz_name!r}") from exc
    port_text = env.get("PORT") or "3000"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"PORT: expected a port number, got {port_text!r}")
    policy = env.get("AUDITBOT_CONFIG")
    return Settings(
        database_url=env.get("DATABASE_URL") or "sqlite:///auditbot.db",
        slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        slack_app_token=env.get("SLACK_APP_TOKEN") or None,
        slack_api_url=api_url,
        policy_path=Path(policy) if policy else None,
        timezone=timezone,
        port=int(port_text),
    )
