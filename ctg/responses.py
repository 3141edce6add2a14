"""Responses every app sends the same way."""

from django.http import HttpResponse


def file_response(content, filename, mimetype, *, inline=False):
    """A file for the browser to save (or, `inline`, to open: a calendar feed)."""
    response = HttpResponse(content, content_type=mimetype)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response
