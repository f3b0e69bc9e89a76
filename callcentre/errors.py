"""The domain's refusals: an operation that cannot be done, with the reason for the person
who asked. Interfaces turn them into a 409 (APIs) or a message (pages); they are never a 500.
"""


class DomainError(Exception):
    """Base of every refusal a service raises on purpose (not a bug, not an outage)."""
