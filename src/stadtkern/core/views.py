"""Pages of the core app: start page, login/logout with throttling, API tokens, switcher."""

import re
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import frontdoor, selectors, services
from .forms import TokenForm
from .middleware import busy_response
from .models import ApiToken
from .problems import database_busy


def home(request):
    """The front door: calls to act, every municipality, the newest data, a search box."""
    municipalities = list(selectors.municipality_list())
    calls = frontdoor.calls(request)
    by_id = {m.pk: m for m in municipalities}
    for m in municipalities:
        m.calls = [c for c in calls if c.municipality_id == m.pk]
    return render(
        request,
        "core/home.html",
        {
            "municipalities": municipalities,
            "calls": [(c, by_id.get(c.municipality_id)) for c in calls],
            "news": [
                (label, [(i, by_id.get(i.municipality_id)) for i in items])
                for label, items in frontdoor.news(request)
            ],  # fmt: skip
        },
    )


def search(request):
    """Strategies, measures, datasets and sensor streams of every municipality, as far as
    the visitor may see them."""
    query = request.GET.get("q", "")
    by_id = {m.pk: m for m in selectors.municipality_list()}
    groups = [
        (label, [(h, by_id.get(h.municipality_id)) for h in hits])
        for label, hits in frontdoor.search(request, query)
    ]
    return render(
        request,
        "core/search.html",
        {
            "query": frontdoor.clean_query(query),
            "groups": [g for g in groups if g[1]],
            "searched": len(frontdoor.clean_query(query)) >= 2,
            "total": sum(len(hits) for _label, hits in groups),
        },
    )


def login_view(request):
    """Log in; after too many attempts for a name from one address, wait before trying again.

    The count is kept by core/throttle.py for every login path, this page's included.
    """
    form = AuthenticationForm(request, data=request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            login(request, user)
            if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                return redirect(next_url)
            return redirect(_landing(user))
        if getattr(request, "login_throttled", False):
            form.errors.clear()
            minutes = max(1, settings.LOGIN_FAILURE_WINDOW // 60)
            form.add_error(
                None,
                ngettext(
                    "Too many login attempts. Please wait up to %(n)s minute.",
                    "Too many login attempts. Please wait up to %(n)s minutes.",
                    minutes,
                )
                % {"n": minutes},
            )
    return render(request, "core/login.html", {"form": form, "next": next_url}, status=200)


def _landing(user) -> str:
    """Where a member lands after logging in: their own municipality (the first, if they
    belong to several); anyone else on the start page."""
    own = selectors.home_municipality(user)
    return reverse("strategy:house", kwargs={"slug": own.slug}) if own else reverse("core:home")


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:home")


@login_required
def tokens(request):
    """List the user's API tokens and create new ones; a new secret is shown once."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = services.token_create(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "core/tokens.html",
        {"form": form, "secret": secret, "tokens": selectors.tokens_of(request.user)},
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("core:tokens")


def municipality_switch(request):
    """Go to the strategy house of the municipality chosen in the switcher."""
    slug = request.GET.get("m", "")
    municipality = selectors.municipality_list().filter(slug=slug).first()
    if municipality is None:
        return redirect("core:home")
    return redirect("strategy:house", slug=municipality.slug)


# /m/<slug>/..., with or without a language prefix: a 404 there keeps the municipality's
# navigation, so that a mistyped address inside it is not a dead end.
_IN_MUNICIPALITY = re.compile(r"^/(?:[a-z]{2}/)?m/(?P<slug>[-\w]+)/")


def not_found(request, exception=None):
    match = _IN_MUNICIPALITY.match(request.path)
    municipality = match and selectors.municipality_list().filter(slug=match["slug"]).first()
    return render(request, "404.html", {"municipality": municipality or None}, status=404)


def server_error(request):
    # Django calls this while it handles the exception: one raised outside any view (a
    # session saved on the way out) that was the database staying busy is a 503 too.
    exception = sys.exc_info()[1]
    if exception is not None and database_busy(exception):
        return busy_response(request)
    return render(request, "500.html", status=500)
