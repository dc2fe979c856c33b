"""Staff: the CSV import, away and cover, leavers, finding people on Slack, their open work."""
