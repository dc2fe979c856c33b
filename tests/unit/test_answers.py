"""The answer workers: what a listener hands over after its ack is computed, then shown."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.slack.answers import AnswerWorkers


@pytest.fixture
def answers():
    workers = AnswerWorkers(show_threads=2)
    yield workers
    workers.shutdown()


def test_the_computed_answer_is_shown(answers):
    shown, failures = [], []
    answers.submit(lambda: "the status table", shown.append, failures.append)
    answers.shutdown()  # finishes what was handed over
    assert shown == ["the status table"] and failures == []


def test_answers_are_computed_one_at_a_time_in_the_order_they_came(answers):
    computing, most, order = [], [], []
    lock = threading.Lock()

    def compute(n: int) -> int:
        with lock:
            computing.append(n)
            most.append(len(computing))
        threading.Event().wait(0.01)
        with lock:
            computing.remove(n)
            order.append(n)
        return n

    for n in range(5):
        answers.submit(lambda n=n: compute(n), lambda _: None, pytest.fail)
    answers.shutdown()
    assert order == [0, 1, 2, 3, 4] and max(most) == 1


def test_a_failure_is_reported_and_nothing_is_shown(answers):
    shown, failures = [], []

    def compute() -> str:
        raise RuntimeError("database gone")

    answers.submit(compute, shown.append, failures.append)
    answers.submit(lambda: "x", lambda _: 1 / 0, failures.append)
    answers.shutdown()
    assert shown == []
    assert [type(error) for error in failures] == [RuntimeError, ZeroDivisionError]


def test_a_failure_to_report_a_failure_is_logged(answers, caplog):
    def failed(error: Exception) -> None:
        raise ConnectionError("Slack is unreachable too")

    with caplog.at_level(logging.ERROR, logger="bot.slack.answers"):
        answers.submit(lambda: 1 / 0, lambda _: None, failed)
        answers.shutdown()
    assert "could not report a failed answer (ZeroDivisionError)" in caplog.text
