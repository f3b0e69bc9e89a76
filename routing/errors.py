from callcentre.errors import DomainError


class RoutingError(DomainError):
    """A routing operation that cannot be done, with the reason for the person who asked."""
