"""Auditbot: a Slack bot that runs a children's-services case file audit programme."""
