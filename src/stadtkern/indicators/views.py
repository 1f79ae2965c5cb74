"""Pages of the cockpit: goals with their indicators, one indicator in depth, its chart
as SVG and its values as CSV for download, and a recomputation on demand."""

import csv
from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST

from stadtkern.core.maps import map_context
from stadtkern.core.middleware import CSP
from stadtkern.core.selectors import municipality_get
from stadtkern.core.text import without_controls
from stadtkern.data.exports import neutralise

from . import catalogue, jobs, rules, selectors
from .models import Indicator
from .panels import cockpit_panels, goal_scopes

MAX_TABLE_ROWS = 40


def _context(request, municipality, **extra) -> dict:
    return {
        "municipality": municipality,
        "can_edit": rules.can_edit_indicators(request.user, municipality),
        "can_see_errors": rules.can_see_errors(request.user, municipality),
        **extra,
    }


def cockpit(request, slug: str):
    municipality = municipality_get(slug)
    data = selectors.cockpit(request.user, municipality)
    allowed, scopes = goal_scopes(request, municipality)
    if allowed is not None:  # a programme chosen: its goals only, and no indicators without a goal
        data = replace(
            data, goals=[row for row in data.goals if row.goal.pk in allowed], unlinked=[]
        )
    return render(request, "indicators/cockpit.html", _context(
        request, municipality, cockpit=data, scopes=scopes, panels=cockpit_panels(request, municipality)))  # fmt: skip


def _district(request, names: list[str]) -> str:
    district = (request.GET.get("district") or "").strip()[:200]
    return district if district in names else ""


def indicator_detail(request, slug: str, key: str):
    municipality = municipality_get(slug)
    indicator = selectors.indicator_get(request.user, municipality, key)
    districts = selectors.districts(indicator)
    district = _district(request, districts)
    card = selectors.card(indicator, district)
    effects = selectors.effects_of(indicator, request.user)
    values = list(selectors.values_table(indicator, district)[: MAX_TABLE_ROWS + 1])
    context = _context(
        request,
        municipality,
        indicator=indicator,
        card=card,
        district=district,
        districts=districts,
        chart=selectors.chart(indicator, request.user, district, card, effects),
        values=values[:MAX_TABLE_ROWS],
        more_values=len(values) > MAX_TABLE_ROWS,
        effects=effects,
        goals=selectors.goals_of(indicator, request.user),
        per_district=selectors.per_district(indicator) if districts and not district else None,
        **map_context(request, municipality),
        computing=jobs.pending(municipality) if indicator.computed else False,
    )
    return render(request, "indicators/indicator.html", context)


LEGEND_ROW = 22


def _svg_file(chart) -> str:
    """The chart as a file of its own: its title above, its legend below, a line a series."""
    legend = [{"y": chart.height + 34 + LEGEND_ROW * i, **s} for i, s in enumerate(chart.series)]
    return without_controls(render_to_string("indicators/chart.svg", {
        "chart": chart, "legend": legend, "height": chart.height + 40 + LEGEND_ROW * len(legend),
    }))  # fmt: skip


def chart_svg(request, slug: str, key: str):
    """The chart alone, as an SVG file with its own styles (for reports and other pages)."""
    municipality = municipality_get(slug)
    indicator = selectors.indicator_get(request.user, municipality, key)
    district = _district(request, selectors.districts(indicator))
    chart = selectors.chart(indicator, request.user, district)
    if chart is None:
        return HttpResponse(_("Too few values for a chart."), status=404, content_type="text/plain")
    body = _svg_file(chart)
    response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{indicator.key}.svg"'
    return response


def chart_png(request, slug: str, key: str):
    """The same chart as a picture, twice the SVG's size, for slides and documents."""
    import resvg_py  # only here: the renderer is needed by this download alone

    municipality = municipality_get(slug)
    indicator = selectors.indicator_get(request.user, municipality, key)
    district = _district(request, selectors.districts(indicator))
    chart = selectors.chart(indicator, request.user, district)
    if chart is None:
        return HttpResponse(_("Too few values for a chart."), status=404, content_type="text/plain")
    body = _svg_file(chart)
    png = resvg_py.svg_to_bytes(svg_string=body, zoom=2, font_family=settings.CHART_FONT,
                                sans_serif_family=settings.CHART_FONT)  # fmt: skip
    response = HttpResponse(bytes(png), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{indicator.key}.png"'
    return response


def values_csv(request, slug: str, key: str):
    municipality = municipality_get(slug)
    indicator = selectors.indicator_get(request.user, municipality, key)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{indicator.key}.csv"'
    writer = csv.writer(response)
    writer.writerow(["key", "period", "start", "end", "district", "value", "unit", "source"])
    for v in selectors.values_table(indicator).order_by("end", "district"):
        writer.writerow([indicator.key, v.period, v.start.isoformat(), v.end.isoformat(),
                         neutralise(v.district), repr(v.value), neutralise(indicator.unit),
                         v.provenance.get("kind", "")])  # fmt: skip
    return response


@require_POST
def compute(request, slug: str, key: str):
    municipality = municipality_get(slug)
    indicator = selectors.indicator_get(request.user, municipality, key)
    if not rules.can_edit_indicators(request.user, municipality):
        raise PermissionDenied
    if indicator.computed:
        jobs.enqueue_compute(municipality, [indicator], user=request.user)
    messages.success(
        request, _("The computation is queued; this page shows the new values when it is done.")
    )
    return redirect("indicators:detail", slug=slug, key=key)


def glance(request, slug: str):
    """For citizens: each published indicator in plain words, where it stands and whether
    the municipality is on course."""
    municipality = municipality_get(slug)
    indicators = list(Indicator.objects.filter(municipality=municipality, published=True))
    cards = selectors.cards(indicators)
    return render(request, "indicators/glance.html",
                  _context(request, municipality, cards=[cards[i.pk] for i in indicators]))  # fmt: skip


def templates_index(request):
    """The instance's template catalogue with how many municipalities publish each."""
    counts = selectors.publishers()
    rows = [(t, counts.get(t.key, 0)) for t in catalogue.templates().values()]
    return render(request, "indicators/templates.html", {"rows": rows})


def comparison(request, key: str):
    """Every municipality that publishes the indicator, as a table and a chart."""
    template = catalogue.templates().get(key)
    entries = selectors.comparison(key)
    if template is None and not entries:
        raise Http404(_("No municipality publishes this indicator."))
    return render(request, "indicators/comparison.html", {
        "key": key, "template": template, "entries": entries,
        "chart": selectors.comparison_chart(key, entries),
        "first": entries[0].indicator if entries else None,
    })  # fmt: skip


@xframe_options_exempt
def widget(request, slug: str, key: str):
    """A published indicator for the municipality's own website, in an iframe: its latest
    value, status and chart, and a link here. Other sites may frame this page, no other."""
    municipality = municipality_get(slug)
    indicator = Indicator.objects.filter(municipality=municipality, key=key, published=True).first()
    if indicator is None:
        raise Http404(_("No such indicator."))
    card = selectors.card(indicator)
    response = render(request, "indicators/widget.html", {
        "municipality": municipality, "indicator": indicator, "card": card,
        "chart": selectors.chart(indicator, None, "", card),
    })  # fmt: skip
    response["Content-Security-Policy"] = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
    return response


def measure_panel(request, measure) -> str:
    """On a measure's page: the indicators it should move, what it planned and achieved."""
    visible = selectors.visible(request.user, measure.municipality)
    effects = list(
        measure.effects.filter(indicator__in=visible)
        .select_related("indicator")
        .order_by("indicator__name", "year")
    )
    if not effects and not rules.can_edit_indicators(request.user, measure.municipality):
        return ""
    return render_to_string("indicators/_measure_effects.html", {
        "measure": measure, "effects": effects, "municipality": measure.municipality,
        "can_edit": rules.can_edit_indicators(request.user, measure.municipality),
    }, request=request)  # fmt: skip


def goal(request, slug: str, pk: int):
    """Drill-down: one goal, its indicators, the measures serving it, and its indicators in
    one indexed chart."""
    municipality = municipality_get(slug)
    goal, cards, measures, index = selectors.goal_view(request.user, municipality, pk)
    return render(request, "indicators/goal.html", _context(
        request, municipality, goal=goal, cards=cards, measures=measures, chart=index,
    ))  # fmt: skip
