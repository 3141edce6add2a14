from conventions.rules import may_invite


def navigation(request):
    # Called by the template only where it renders the header: no query on other responses.
    user = getattr(request, "user", None)
    return {"may_invite": lambda: user is not None and may_invite(user)}
