from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A rule of the domain refused an action; the message is French and shown to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def check_same_convention(convention_id, **related):
    """Refuse a row that points at another convention's rows (field name → related row or None):
    the application's forms only offer the right ones, the administration offers every row."""
    if convention_id is None:
        return
    errors = {
        name: f"« {row} » appartient à une autre convention."
        for name, row in related.items()
        if row is not None and row.convention_id != convention_id
    }
    if errors:
        raise ValidationError(errors)
