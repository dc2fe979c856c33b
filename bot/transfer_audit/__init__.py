"""The audit of a case file when its case moves team (Bolton's "file fit for purpose" check):
asked for on import (request.py), answered in a short form (form.py), by its rules (rules.py)."""
