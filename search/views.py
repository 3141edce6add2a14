from django.shortcuts import render
from django.views.decorators.http import require_safe

from .forms import SearchForm
from .sources import search


@require_safe
def results(request):
    """The hits for the header's search box, by kind; an empty query explains what is searched."""
    form = SearchForm(request.GET)
    words = form.words
    groups = [group for group in search(request.user, words) if group[1]] if words else None
    return render(request, "search/results.html", {
        "form": form,
        "query": request.GET.get("q", "").strip(),
        "groups": groups,
        "total": sum(len(hits) for _, hits, _ in groups or ()),
    })
