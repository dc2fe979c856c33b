"""The guided audit, its rules, and what follows it: safeguarding alerts and actions."""
