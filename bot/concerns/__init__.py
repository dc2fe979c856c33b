"""The cases-of-concern register: who may see it, its review and closure by a head of service."""
