"""Pages of citizens' assemblies: register as a volunteer, see the quotas and the draw."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import assemblies, rules
from .selectors import assembly_get


def assembly(request, slug: str, assembly_slug: str):
    assembly = assembly_get(request.user, slug, assembly_slug)
    manage = rules.can_manage_assembly(request.user, assembly.municipality)
    errors, values = {}, {}
    if request.method == "POST":
        action = request.POST.get("action", "register")
        try:
            if action == "register":
                values = request.POST
                assemblies.volunteer_register(
                    assembly=assembly, name=request.POST.get("name", ""), contact=request.POST.get("contact", ""),
                    features={f: request.POST.get(f"feature-{k}", "") for k, f in enumerate(assembly.shares)},
                )  # fmt: skip
                messages.success(
                    request,
                    _("Thank you for volunteering. If you are drawn, we will write to you."),
                )
            elif action == "seed":
                assemblies.assembly_announce_seed(
                    assembly=assembly, user=request.user, seed=request.POST.get("seed", "")
                )
            elif action == "draw":
                assemblies.assembly_draw(assembly=assembly, user=request.user)
                messages.success(request, _("The panel was drawn."))
            else:
                raise PermissionDenied
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return redirect("participation:assembly", slug=slug, assembly_slug=assembly.slug)
    chances = list(
        assembly.volunteers.exclude(probability=None).values_list("probability", flat=True)
    )
    return render(request, "participation/assembly.html", {
        "municipality": assembly.municipality, "assembly": assembly, "rows": assemblies.composition(assembly),
        "features": [(k, f, list(v)) for k, (f, v) in enumerate(assembly.shares.items())],
        "errors": errors, "values": values, "manage": manage, "volunteers": assembly.volunteers.count(),
        "chance_low": min(chances) if chances else None, "chance_high": max(chances) if chances else None,
        "panel": assembly.volunteers.filter(selected=True) if manage else None,
    }, status=422 if errors else 200)  # fmt: skip


def panel_export(request, slug: str, assembly_slug: str):
    assembly = assembly_get(request.user, slug, assembly_slug)
    if not rules.can_manage_assembly(request.user, assembly.municipality):
        raise PermissionDenied(_("Only the municipality's editors see the volunteers' contacts."))
    response = HttpResponse(assemblies.panel_csv(assembly), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{assembly.slug}-panel.csv"'
    return response
