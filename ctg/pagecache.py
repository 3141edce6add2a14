"""Whole pages kept in Django's cache, under a key of everything they show: the URL (filters and
date included), today's date, and what the view passes as `vary` (the revision tokens of the
conventions shown, `ctg.revisions`, and the reader's role). A write to a convention gives it a new
token, so its pages are computed again at the next reading: a cached page is never older than the
data, it is the same page without the work.

The parts that belong to the request are left out of the cached text and put back at each answer:
the site header (the user's name, their links), the flash messages, and the CSRF token (a
placeholder in the cached text, replaced by this request's token). Only plain GETs are cached;
htmx fragments, forms with errors and every POST are computed as before.

`PAGE_CACHE_SECONDS` (0 disables it, the default with DEBUG) bounds how long an unread page stays.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

CSRF_PLACEHOLDER = "ctgPageCacheCsrfPlaceholder"
SITE_HEADER = "<!--ctg:site-header-->"
MESSAGES = "<!--ctg:messages-->"


def context(request):
    """Context processor: while a page is computed for the cache, `page_cache_render` makes
    base.html leave the header and messages out, and the CSRF token is the placeholder."""
    if getattr(request, "page_cache_render", False):
        return {"page_cache_render": True, "csrf_token": CSRF_PLACEHOLDER}
    return {}


def page_key(request, template_name, vary):
    parts = (template_name, request.get_full_path(), timezone.localdate().isoformat(), vary)
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_page(request, template_name, build_context, *, vary):
    """The page `template_name` with the context `build_context()`, computed only when no page is
    kept under its key. `vary`: what the page shows beyond its URL and today (read before the data)."""
    if request.method != "GET" or request.htmx or not settings.PAGE_CACHE_SECONDS:
        return render(request, template_name, build_context())
    key = page_key(request, template_name, vary)
    page = cache.get(key)
    if page is None:
        request.page_cache_render = True
        try:
            page = render_to_string(template_name, build_context(), request)
        finally:
            request.page_cache_render = False
        cache.set(key, page, settings.PAGE_CACHE_SECONDS)
    return HttpResponse(personalised(request, page))


def personalised(request, page):
    header = render_to_string("_site_header.html", request=request)
    messages = render_to_string("_messages.html", request=request)
    return page.replace(SITE_HEADER, header, 1).replace(MESSAGES, messages, 1).replace(CSRF_PLACEHOLDER, get_token(request))
