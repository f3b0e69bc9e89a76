from callcentre.errors import DomainError


class SupervisionError(DomainError):
    """A supervisor's action that cannot be done now (the reason is shown to them)."""
