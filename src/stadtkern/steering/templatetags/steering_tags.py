"""Template helpers of the steering pages. The portfolio's rows are built here in one pass:
500 projects through a template loop with includes would cost several times as much."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from stadtkern.core.charts import date_formatter
from stadtkern.core.templatetags.core_tags import local_date

register = template.Library()
register.filter("local_date", local_date)

TRENDS = {"better": ("↑", "better"), "worse": ("↓", "worse"), "same": ("→", "unchanged")}


def _light_names() -> dict:
    return {"green": _("green"), "yellow": _("yellow"), "red": _("red")}


def light_html(value: str, trend: str = "", names: dict | None = None) -> str:
    if not value:
        return "–"
    names = names or _light_names()
    out = format_html('<span class="light light-{}"><span class="light-dot" aria-hidden="true"></span>{}</span>',
                      value, names[value])  # fmt: skip
    if trend:
        arrow, word = TRENDS[trend]
        out += format_html(' <span class="trend trend-{}"><span aria-hidden="true">{}</span> {}</span>',
                           trend, arrow, _(word))  # fmt: skip
    return out


@register.simple_tag
def light(value: str, trend: str = ""):
    return light_html(value, trend)


@register.simple_tag(takes_context=True)
def portfolio_row(context, row, internal: bool, slug: str):
    cache = context.render_context.setdefault("steering_row", {})
    if not cache:
        cache.update(names=_light_names(), fmt=date_formatter(),
                     designs={"waterfall": _("waterfall"), "hybrid": _("hybrid"), "agile": _("agile")})  # fmt: skip
    names, fmt = cache["names"], cache["fmt"]
    p = row.project
    fields = ", ".join(f.display_title for f in p.measure.fields_of_action.all())
    programmes = ", ".join(pr.display_title for pr in p.measure.programmes.all())
    url = reverse("steering:project", kwargs={"slug": slug, "pk": p.pk})
    cells = [format_html('<th scope="row"><a href="{}">{}</a>{}</th>', url, p.title, format_html(
        '<br><span class="small">{}</span>', " · ".join(x for x in (fields, programmes) if x))
        if fields or programmes else "")]  # fmt: skip
    cells += [format_html("<td>{}</td>", str(cache["designs"].get(p.design, p.design))),
              format_html("<td>{}</td>", p.department or "–"),
              format_html("<td>{} – {}</td>", fmt(p.start), fmt(p.end))]  # fmt: skip
    if internal:
        r = row.report
        for name in ("overall", "scope", "time", "money"):
            cells.append(format_html("<td>{}</td>", light_html(getattr(r, name) if r else "",
                                                               row.trend.get(name, ""), names)))  # fmt: skip
        cells.append(format_html("<td>{}</td>", fmt(r.period_end) if r else _("no report yet")))
    return format_html("<tr>{}</tr>", format_html_join("", "{}", ((c,) for c in cells)))


@register.simple_tag
def slack(plan, package) -> str:
    """Days a package may slip without moving the plan's end; "critical" when none."""
    days = plan.schedule[package.pk].slack
    return _("0 (critical)") if days == 0 else str(days)
