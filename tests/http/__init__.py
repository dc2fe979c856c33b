"""The bot driven through its signed HTTP endpoint against the Slack stand-in, as Slack would."""
