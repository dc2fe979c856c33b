"""Extensions of an audit's due date: the request, the decision, the rules."""
