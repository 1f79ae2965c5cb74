"""The rules of a financing plan: own funds plus grants cover the budget, no grant is
larger than its programme's rate of the costs it funds, and the municipality pays at
least the programme's minimum own share. Pure functions on amounts, so that they can be
tested on any plan (tests/test_financing.py); each broken rule is named with the field
to change.

Amounts are ``Decimal`` euros with cents; percentages are ``Decimal`` 0–100. A limit is
rounded down to the cent: a grant may reach it, and one cent more breaks the rule.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Programme:
    title: str
    rate: Decimal  # percent of eligible costs
    eligible: tuple[str, ...]  # cost types
    min_own_share: Decimal = Decimal(0)  # percent of the total


@dataclass(frozen=True)
class Grant:
    programme: Programme
    amount: Decimal  # what the plan counts on: granted, or requested while pending


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    rule: str  # "eligible", "rate", "exceeds", "own_share" or "adds_up"


def limit(programme: Programme, costs: dict[str, Decimal]) -> Decimal:
    """The largest grant the programme allows for these costs."""
    eligible = sum((costs.get(t, Decimal(0)) for t in programme.eligible), Decimal(0))
    return (eligible * programme.rate / 100).quantize(CENT, rounding=ROUND_DOWN)


def money(value: Decimal) -> str:
    from stadtkern.core.money import money as formatted

    return formatted(value)


def grant_problems(grant: Grant, costs: dict[str, Decimal]) -> list[Problem]:
    p = grant.programme
    eligible = [t for t in p.eligible if costs.get(t)]
    if grant.amount > 0 and not eligible:
        return [Problem("requested", _(
            "%(p)s funds none of this project's cost types (it funds: %(types)s)."
        ) % {"p": p.title, "types": ", ".join(p.eligible) or "–"}, "eligible")]  # fmt: skip
    most = limit(p, costs)
    if grant.amount > most:
        return [Problem("requested", _(
            "%(p)s funds at most %(rate)s %% of the eligible costs (%(types)s), that is %(most)s; "
            "%(amount)s is %(over)s too much."
        ) % {"p": p.title, "rate": _percent(p.rate), "types": ", ".join(eligible), "most": money(most),
             "amount": money(grant.amount), "over": money(grant.amount - most)}, "rate")]  # fmt: skip
    return []


def _percent(value: Decimal) -> str:
    """75 or 62,5 as the reader writes it."""
    from stadtkern.core.charts import number

    return number(float(value), 0 if value == value.to_integral_value() else 2)


def check(costs: dict[str, Decimal], own: Decimal | None, grants: list[Grant]) -> list[Problem]:
    """Every rule the plan breaks, each once."""
    problems = [p for g in grants for p in grant_problems(g, costs)]
    total = sum(costs.values(), Decimal(0))
    funded = sum((g.amount for g in grants), Decimal(0))
    if funded > total:
        problems.append(Problem("requested", _(
            "The grants (%(g)s) exceed the budget (%(t)s).") % {"g": money(funded), "t": money(total)}, "exceeds"))  # fmt: skip
    if own is None:
        return problems
    strictest = max(grants, key=lambda g: g.programme.min_own_share, default=None)
    if strictest is not None and strictest.programme.min_own_share > 0:
        least = (total * strictest.programme.min_own_share / 100).quantize(CENT, rounding=ROUND_UP)
        if own < least:
            problems.append(Problem("own_funds", _(
                "%(p)s asks for an own share of at least %(share)s %%, that is %(least)s of %(total)s; "
                "the plan has %(own)s."
            ) % {"p": strictest.programme.title, "share": _percent(strictest.programme.min_own_share),
                 "least": money(least), "total": money(total), "own": money(own)}, "own_share"))  # fmt: skip
    if own + funded != total:
        gap = total - own - funded
        problems.append(Problem("own_funds", _(
            "The financing does not add up: own funds %(own)s and grants %(g)s make %(sum)s, the "
            "budget is %(total)s (%(gap)s %(which)s)."
        ) % {"own": money(own), "g": money(funded), "sum": money(own + funded), "total": money(total),
             "gap": money(abs(gap)), "which": _("missing") if gap > 0 else _("too much")}, "adds_up"))  # fmt: skip
    return problems
