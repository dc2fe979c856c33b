"""What the tests share: a running bot (harness), factories, the privacy check, fault injection."""
