"""Talking to Slack: the outbox sender, the Web API client, the answer workers, outages."""
