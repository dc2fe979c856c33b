"""The TAC reflective case summary checkpoint in supervision, its tasks and its schedule."""
