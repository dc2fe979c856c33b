"""Chasing overdue work up the escalation ladder, and the weekly team digest."""
