"""The monthly (and quarterly) QA briefing: figures, then CSV, Markdown and chart renderers,
and its delivery to Slack."""
