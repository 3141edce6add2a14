def fiche_detail(request, slug, key):
    raise NotImplementedError
