"""What a person sees when a listener fails: a database outage gets "please try again shortly"
(at once, instead of Slack's timeout or a 500); anything else is logged as Bolt would."""

import json
import logging

from slack_bolt import App, BoltResponse
from slack_bolt.context.respond import Respond

from bot.outage import TRY_AGAIN_SHORTLY, is_database_outage, unavailable_answer
from bot.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.error
    def listener_failed(
        error: Exception, body: dict, respond: Respond | None, response: BoltResponse | None
    ) -> BoltResponse | None:
        if not is_database_outage(error):
            log.exception("Failed to run a listener: %s", type(error).__name__, exc_info=error)
            return None
        log.warning("database unavailable while handling a Slack request: %s", error)
        if response is not None:  # Slack is still waiting for the answer
            return BoltResponse(
                status=200,
                body=json.dumps(unavailable_answer(body)),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        if respond is not None:  # already acknowledged (a button): answer privately
            respond(text=TRY_AGAIN_SHORTLY, response_type="ephemeral", replace_original=False)
        return None
