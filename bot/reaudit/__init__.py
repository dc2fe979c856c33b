"""Re-audit and moderation: the draw, the sample, the moderator's form and messages."""
