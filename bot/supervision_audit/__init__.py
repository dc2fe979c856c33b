"""The yearly audit of each team manager's supervision file by a senior manager (Bolton): asked
for once a year (asking.py), answered in a short form (form.py), counted for /audit status."""
