"""`auditbot demo` and what only it and the tests use: the Slack stand-in, signed requests, the
transcript, the sample authority."""
