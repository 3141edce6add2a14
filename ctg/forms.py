class NormalizedNewlinesMixin:
    """Browsers send textarea line breaks as CRLF; store LF so an unchanged text compares equal."""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = value.replace("\r\n", "\n")
        return cleaned
