"""The target path of an indicator and its status: the rule, in one place.

The path runs in straight lines from the baseline through the milestones to the target;
before the baseline it is the baseline value, after the target date the target value.
The latest value is compared with the path on the last day of its period:

- **on track**: at the path or better, or worse by at most the tolerance;
- **at risk**: worse by more than the tolerance, but at most twice the tolerance;
- **off track**: worse by more than twice the tolerance;
- **no data**: no target, or no value yet.

"Better" follows the indicator's direction (higher or lower is better).
"""

from dataclasses import dataclass
from datetime import date

ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA = "on_track", "at_risk", "off_track", "no_data"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA)
# Differences smaller than this share of the values compared are rounding, not a gap.
EPSILON = 1e-9


@dataclass(frozen=True)
class Judgement:
    status: str
    expected: float | None = None
    shortfall: float | None = None  # how far behind the path, in the unit; <= 0 is ahead


def path(
    baseline: tuple[date, float], target: tuple[date, float], milestones=()
) -> list[tuple[date, float]]:
    """The corners of the path: baseline, the milestones strictly between, target."""
    # One value per day: of two milestones on the same day, the later one given counts.
    inner = sorted({d: float(v) for d, v in milestones if baseline[0] < d < target[0]}.items())
    return [(baseline[0], float(baseline[1])), *inner, (target[0], float(target[1]))]


def expected(corners: list[tuple[date, float]], when: date) -> float:
    """The path's value on ``when``."""
    if when <= corners[0][0]:
        return corners[0][1]
    for (d0, v0), (d1, v1) in zip(corners, corners[1:], strict=False):
        if when == d1:
            return v1
        if when < d1:
            share = (when - d0).days / (d1 - d0).days
            return v0 * (1 - share) + v1 * share
    return corners[-1][1]


def judge(
    corners: list[tuple[date, float]] | None,
    latest: tuple[date, float] | None,
    *,
    lower_is_better: bool,
    tolerance: float,
) -> Judgement:
    """The status of the latest value (its period's last day, its value) against the path."""
    if not corners or latest is None:
        return Judgement(NO_DATA)
    when, value = latest
    should = expected(corners, when)
    shortfall = (value - should) if lower_is_better else (should - value)
    slack = EPSILON * max(1.0, abs(should), abs(value))
    tolerance = max(0.0, tolerance)
    if shortfall <= tolerance + slack:
        status = ON_TRACK
    elif shortfall <= 2 * tolerance + slack:
        status = AT_RISK
    else:
        status = OFF_TRACK
    return Judgement(status, should, shortfall)
