"""The scheduled jobs of the oversight practices (issue 25, Bolton), run with the follow-ups in
scheduler/jobs.py: each asks only for what is due at the tick's `now`, once."""

from bot.audit.action_review import prompt_action_reviews
from bot.observations.monthly import send_observation_lists
from bot.supervision_audit.asking import ask_for_supervision_file_audits

OVERSIGHT_JOBS = (prompt_action_reviews, ask_for_supervision_file_audits, send_observation_lists)
