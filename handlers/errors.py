"""What a person sees when a listener fails: a database outage gets "please try again shortly"
(at once, instead of Slack's timeout or a 500); anything else is logged as Bolt would.

A failure before the ack reaches Bolt's error handler, which puts the notice in the ack. Work
after the ack runs on the answer workers (bot/slack/answers.py), which report a failure to
`failed_after_ack`.
"""

import json
import logging

from slack_bolt import App, BoltResponse
from slack_bolt.context.respond import Respond

from bot.core.services import Services
from bot.slack.outage import TRY_AGAIN_SHORTLY, is_database_outage, unavailable_answer

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.error
    def listener_failed(
        error: Exception, body: dict, response: BoltResponse | None
    ) -> BoltResponse | None:
        if not _log_failure(error) or response is None:
            return None
        return BoltResponse(  # Slack is still waiting for the answer
            status=200,
            body=json.dumps(unavailable_answer(body)),
            headers={"content-type": "application/json;charset=utf-8"},
        )


def failed_after_ack(error: Exception, respond: Respond | None) -> None:
    """An outage is answered privately (when the request has a response_url), as an ack can't
    be any more."""
    if _log_failure(error) and respond is not None:
        respond(text=TRY_AGAIN_SHORTLY, response_type="ephemeral", replace_original=False)


def _log_failure(error: Exception) -> bool:
    """Log it as Bolt would, or as a database outage (True), which the person is told about."""
    if not is_database_outage(error):
        log.exception("Failed to run a listener: %s", type(error).__name__, exc_info=error)
        return False
    log.warning("database unavailable while handling a Slack request: %s", error)
    return True
