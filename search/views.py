from django.views.decorators.http import require_safe

from conventions.shortcuts import territory_revision
from ctg.pagecache import cached_page

from .forms import SearchForm
from .sources import search


@require_safe
def results(request):
    """The hits for the header's search box, by kind; an empty query explains what is searched."""
    form = SearchForm(request.GET)
    return cached_page(request, "search/results.html", lambda: results_context(request, form),
                       vary=territory_revision(request.user))


def results_context(request, form):
    words = form.words
    groups = [group for group in search(request.user, words) if group[1]] if words else None
    return {
        "form": form,
        "query": request.GET.get("q", "").strip(),
        "groups": groups,
        "total": sum(len(hits) for _, hits, _ in groups or ()),
    }
