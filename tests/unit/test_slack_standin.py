"""The Slack Web API stand-in, driven by slack_sdk's real WebClient."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.demo.slack_standin import Call, SlackStandIn
from bot.slack.client import PERMANENT_ERRORS, build_web_client

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Audit* due"}}]


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn({"tm@example.org": "U0TM"}) as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    """A client without retries, so every fault reaches the test."""
    return WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[])


@pytest.fixture
def retrying_client(slack: SlackStandIn) -> WebClient:
    return build_web_client(
        "xoxb-test", slack.api_url, retry_interval=FixedValueRetryIntervalCalculator(0)
    )


def test_urls(slack: SlackStandIn) -> None:
    assert slack.api_url.startswith("http://127.0.0.1:")
    assert slack.api_url.endswith("/api/")
    assert slack.response_url("abc") == slack.api_url.replace("/api/", "/respond/abc")


def test_post_message_sends_json_with_blocks(slack: SlackStandIn, client: WebClient) -> None:
    first = client.chat_postMessage(channel="U0TM", text="Audit due", blocks=BLOCKS)
    second = client.chat_postMessage(channel="C0TEAM", text="3 audits due")

    assert first["channel"] == "D0TM"
    assert second["channel"] == "C0TEAM"
    assert first["message"]["blocks"] == BLOCKS
    assert first["ts"] == "1700000000.000100"
    assert second["ts"] > first["ts"]
    [call, _] = slack.calls("chat.postMessage")
    assert call == Call(
        method="chat.postMessage",
        params={"channel": "U0TM", "text": "Audit due", "blocks": BLOCKS},
        token="xoxb-test",
        response=first.data,
    )
    assert slack.messages_to("U0TM") == [call.params]
    assert slack.messages_to("D0TM") == [call.params]
    assert [m["text"] for m in slack.messages_to("C0TEAM")] == ["3 audits due"]


def test_form_encoded_blocks_and_view_are_decoded(slack: SlackStandIn, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "x", "blocks": json.dumps(BLOCKS)}
    )
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Book"}, "blocks": []}
    client.api_call("views.open", params={"trigger_id": "t1", "view": json.dumps(view)})

    assert slack.calls("chat.postMessage")[0].params["blocks"] == BLOCKS
    assert slack.calls("views.open")[0].params["view"] == view


def test_get_with_query_string_and_bearer_token(slack: SlackStandIn) -> None:
    request = urllib.request.Request(
        slack.api_url + "users.lookupByEmail?email=tm%40example.org",
        headers={"Authorization": "Bearer xoxb-get"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        body = json.load(response)

    assert body["ok"] is True
    assert body["user"]["id"] == "U0TM"
    assert slack.calls() == [
        Call(
            method="users.lookupByEmail",
            params={"email": "tm@example.org"},
            token="xoxb-get",
            response=body,
        )
    ]


def test_lookup_by_email_found_and_not_found(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_user("sw@example.org", "U0SW", tz="Europe/Dublin")

    found = client.users_lookupByEmail(email="SW@example.org")
    assert found["user"]["id"] == "U0SW"
    assert found["user"]["tz"] == "Europe/Dublin"
    assert found["user"]["profile"]["email"] == "sw@example.org"
    with pytest.raises(SlackApiError) as raised:
        client.users_lookupByEmail(email="nobody@example.org")
    assert raised.value.response["error"] == "users_not_found"
    assert raised.value.response["error"] in PERMANENT_ERRORS
    assert [c.fault for c in slack.calls()] == [None, "error:users_not_found"]


def test_users_info_and_conversations_open(slack: SlackStandIn, client: WebClient) -> None:
    assert client.users_info(user="U0TM")["user"]["tz"] == "Europe/London"
    assert client.conversations_open(users=["U0TM"])["channel"]["id"] == "D0TM"
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U0GONE")
    assert raised.value.response["error"] == "user_not_found"


def test_views_auth_update_and_ephemeral(slack: SlackStandIn, client: WebClient) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Book"}, "blocks": []}
    opened = client.views_open(trigger_id="t1", view=view)
    updated = client.views_update(view_id=opened["view"]["id"], view=view)
    published = client.views_publish(user_id="U0TM", view={"type": "home", "blocks": []})
    auth = client.auth_test()
    posted = client.chat_postMessage(channel="C1", text="first")
    changed = client.chat_update(channel="C1", ts=posted["ts"], text="second")
    ephemeral = client.chat_postEphemeral(channel="C1", user="U0TM", text="only you")

    assert opened["view"]["id"].startswith("V")
    assert updated["view"]["id"] == opened["view"]["id"]
    assert published["ok"] is True
    assert auth["user_id"] == slack.bot_user_id
    assert auth["team_id"] == slack.team_id
    assert changed["ts"] == posted["ts"]
    assert changed["message"]["text"] == "second"
    assert ephemeral["message_ts"]
    assert slack.calls("chat.update")[0].params["text"] == "second"


def test_unknown_method_and_missing_text(slack: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("no.such.method")
    with pytest.raises(SlackApiError) as no_text:
        client.api_call("chat.postMessage", json={"channel": "C1"})
    assert unknown.value.response["error"] == "unknown_method"
    assert no_text.value.response["error"] == "no_text"
    assert slack.messages_to("C1") == []


def test_fail_next_429_answers_retry_after(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=2)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="x")
    client.chat_postMessage(channel="C1", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "2"
    assert raised.value.response["error"] == "ratelimited"
    assert [c.fault for c in slack.calls()] == ["http_429", None]
    assert len(slack.messages_to("C1")) == 1


def test_fail_next_500_is_retried_by_the_built_client(
    slack: SlackStandIn, client: WebClient, retrying_client: WebClient
) -> None:
    slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="x")
    assert raised.value.response.status_code == 500

    slack.fail_next("chat.postMessage", status=503)
    assert retrying_client.chat_postMessage(channel="C1", text="y")["ok"] is True
    assert [c.fault for c in slack.calls()] == ["http_500", "http_503", None]


def test_reset_next_closes_the_connection(
    slack: SlackStandIn, client: WebClient, retrying_client: WebClient
) -> None:
    slack.reset_next("chat.postMessage")
    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel="C1", text="x")

    slack.reset_next("chat.postMessage", times=2)
    assert retrying_client.chat_postMessage(channel="C1", text="y")["ok"] is True
    assert [c.fault for c in slack.calls()] == ["reset", "reset", "reset", None]
    assert [m["text"] for m in slack.messages_to("C1")] == ["y"]


def test_fail_next_with_error_code_and_times(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", error="channel_not_found", times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="x")
        assert raised.value.response.status_code == 200
        assert raised.value.response["error"] == "channel_not_found"
    client.chat_postMessage(channel="C1", text="x")

    assert [c.fault for c in slack.calls()] == [
        "error:channel_not_found",
        "error:channel_not_found",
        None,
    ]
    assert client.auth_test()["ok"] is True  # faults are per method


def test_faults_queue_in_order(slack: SlackStandIn, retrying_client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=500)
    slack.reset_next("chat.postMessage")

    assert retrying_client.chat_postMessage(channel="C1", text="x")["ok"] is True
    assert [c.fault for c in slack.calls()] == ["http_500", "reset", None]


def test_rate_limit_allows_a_burst_within_its_window(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.rate_limit("chat.postMessage", per_second=3)  # three calls in any second

    for text in "abc":
        client.chat_postMessage(channel="C1", text=text)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="d")

    assert raised.value.response.status_code == 429
    assert [c.fault for c in slack.calls()] == [None, None, None, "rate_limited"]


def test_rate_limit(slack: SlackStandIn, client: WebClient) -> None:
    slack.rate_limit("chat.postMessage", per_second=0.01)  # one call per 100 seconds

    client.chat_postMessage(channel="C1", text="x")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="y")
    slack.rate_limit("chat.postMessage", None)
    client.chat_postMessage(channel="C1", text="z")

    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 1
    assert [c.fault for c in slack.calls()] == [None, "rate_limited", None]


def test_response_url_posts_are_recorded(slack: SlackStandIn) -> None:
    body = json.dumps({"text": "Booked", "replace_original": True}).encode()
    request = urllib.request.Request(
        slack.response_url("tok-1"), data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200

    assert slack.calls("response_url") == [
        Call(
            method="response_url",
            params={"text": "Booked", "replace_original": True, "token": "tok-1"},
            token="tok-1",
        )
    ]
    assert slack.responses_to(slack.response_url("tok-1")) == [
        {"text": "Booked", "replace_original": True}
    ]
    assert slack.responses_to(slack.response_url("tok-2")) == []


def test_file_upload_v2(slack: SlackStandIn, client: WebClient) -> None:
    result = client.files_upload_v2(
        channel="C1", content="case,grade\n", filename="report.csv", title="Report"
    )

    assert result["file"]["name"] == "report.csv"
    assert slack.uploaded_file(result["file"]["id"]) == b"case,grade\n"
    assert slack.calls("files.completeUploadExternal")[0].params["channel_id"] == "C1"


def test_clear_and_wait_for(slack: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="x")
    slack.fail_next("chat.postMessage", error="is_archived")
    slack.clear()
    assert slack.calls() == []

    worker = threading.Thread(target=lambda: client.chat_postMessage(channel="C2", text="later"))
    worker.start()
    assert slack.wait_for(lambda: len(slack.messages_to("C2")) == 1, timeout=10)
    worker.join()
    assert slack.calls()[0].fault is None  # the cleared fault did not apply
    assert slack.wait_for(lambda: False, timeout=0.05) is False


def test_stop_and_restart_is_safe() -> None:
    standin = SlackStandIn()
    standin.stop()  # not started: nothing to do
    standin.start()
    url = standin.api_url
    standin.stop()
    standin.stop()
    with pytest.raises(RuntimeError):
        _ = standin.api_url
    assert url.endswith("/api/")
