"""Yearly observation of each practitioner's practice (Bolton): recorded by the team manager
with `/audit observed @worker` (command.py, record.py), due and overdue by its rule (due.py),
listed to each team manager monthly (monthly.py) and counted in /audit status."""
