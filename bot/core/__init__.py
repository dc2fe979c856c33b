"""The plumbing every feature needs, once: calendar, months, errors, audit log, outbox, cover
routing, permissions, who is acting, the services the entrypoints share."""
