"""The monthly draw: eligibility, the draw and re-draw, the manager's DM, the programme calendar,
case transfers."""
