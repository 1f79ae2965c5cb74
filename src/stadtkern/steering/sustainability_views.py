"""The sustainability check: the editor's form for a measure, and the panels that show it
on the measure's page, in the strategy house and in the cockpit."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from stadtkern.core.selectors import municipality_get
from stadtkern.strategy import selectors as strategy

from . import rules, selectors
from .models import SustainabilityScore
from .services import sustainability
from .sustainability import CRITERIA, DIMENSIONS, TOP
from .views import _context


def _parsed(post) -> tuple[dict, dict]:
    scores, errors = {}, {}
    for c in CRITERIA:
        raw = (post.get(f"score_{c.key}") or "").strip()
        reason = (post.get(f"reason_{c.key}") or "")[:2000]
        if raw == "":
            scores[c.key] = (None, reason)
        elif raw.isdigit() and len(raw) < 3:
            scores[c.key] = (int(raw), reason)
        else:
            errors[f"score_{c.key}"] = _("Score from 1 to %(n)s.") % {"n": TOP}
    return scores, errors


def check_form(request, slug: str, measure_id: int):
    municipality = municipality_get(slug)
    if not rules.can_edit_steering(request.user, municipality):
        raise PermissionDenied
    measure = strategy.measure_get(municipality=municipality, user=request.user, pk=measure_id)
    current = {s.criterion: s for s in SustainabilityScore.objects.filter(measure=measure)}
    errors, values = {}, {}
    if request.method == "POST":
        scores, errors = _parsed(request.POST)
        values = {
            k: {"score": request.POST.get(f"score_{k}", ""), "reason": v[1]}
            for k, v in scores.items()
        }
        if not errors:
            try:
                sustainability.check_save(measure=measure, user=request.user, scores=scores)
            except ValidationError as exc:
                errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            else:
                messages.success(request, _("The sustainability check was saved."))
                return redirect("strategy:measure_detail", slug=slug, pk=measure.pk)
    groups = []
    for key, label in DIMENSIONS.items():
        rows = []
        for c in (c for c in CRITERIA if c.dimension == key):
            given = values.get(c.key) or ({"score": str(current[c.key].score), "reason": current[c.key].reason}
                                          if c.key in current else {"score": "", "reason": ""})  # fmt: skip
            rows.append({"c": c, "score": given["score"], "reason": given["reason"],
                         "score_error": errors.get(f"score_{c.key}", ""),
                         "reason_error": errors.get(f"reason_{c.key}", "")})  # fmt: skip
        groups.append((label, rows))
    return render(request, "steering/sustainability_form.html", _context(
        request, municipality, measure=measure, groups=groups, has_errors=bool(errors), top=range(1, TOP + 1)),
        status=422 if errors else 200)  # fmt: skip


def measure_panel(request, measure) -> str:
    chart = selectors.sustainability_radar(measure)
    can_edit = rules.can_edit_steering(request.user, measure.municipality)
    if chart is None and not can_edit:
        return ""
    return render_to_string("steering/_sustainability_panel.html", {
        "chart": chart, "measure": measure, "can_edit": can_edit, "municipality": measure.municipality,
    }, request=request)  # fmt: skip


def summary_panel(request, municipality) -> str:
    summary = selectors.sustainability_by_field(request.user, municipality)
    if not summary["rows"]:
        return ""
    return render_to_string(
        "steering/_sustainability_summary.html", {"summary": summary}, request=request
    )
