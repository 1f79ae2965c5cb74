"""Pages of the core app: start page, login/logout with throttling, API tokens, switcher."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import TokenForm
from .models import ApiToken


def home(request):
    return render(
        request,
        "core/home.html",
        {
            "municipalities": selectors.municipality_list(),
            "mine": selectors.municipalities_of(request.user),
        },
    )


def _throttle_key(request, username: str) -> str:
    ip = request.META.get("REMOTE_ADDR", "")
    return f"login-failures:{username.lower()}:{ip}"


def login_view(request):
    """Log in; after too many failures for a name from one address, wait before trying again."""
    form = AuthenticationForm(request, data=request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        key = _throttle_key(request, request.POST.get("username", ""))
        if cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT:
            form.add_error(None, _("Too many failed attempts. Please wait 15 minutes."))
        elif form.is_valid():
            cache.delete(key)
            login(request, form.get_user())
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = reverse("core:home")
            return redirect(next_url or "core:home")
        else:
            cache.set(key, cache.get(key, 0) + 1, settings.LOGIN_FAILURE_WINDOW)
    return render(request, "core/login.html", {"form": form, "next": next_url}, status=200)


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


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
