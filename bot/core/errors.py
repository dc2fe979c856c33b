"""Errors raised by the use cases; each carries a message fit to show a person."""


class AuditbotError(Exception):
    """Base class: `str(error)` is a sentence for the person who asked."""


class NotAllowed(AuditbotError):
    """The actor's role does not allow the action."""


class InvalidRequest(AuditbotError):
    """The request is well formed but cannot be carried out (e.g. nothing to re-draw)."""


class ConfigError(AuditbotError):
    """The environment or the policy file is wrong; the program must not start."""
