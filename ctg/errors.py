class DomainError(Exception):
    """A rule of the domain refused an action; the message is French and shown to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
