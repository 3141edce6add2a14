from django.shortcuts import render

from .models import Convention


def convention_list(request):
    return render(request, "conventions/list.html", {"conventions": Convention.objects.for_user(request.user)})


def convention_detail(request, slug):
    raise NotImplementedError
