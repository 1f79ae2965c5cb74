"""The names of the rules that count a participatory budget's ballots (their labels are
in models.py, the counting in outcomes.py). Apart, so that the models do not load the
numerical library the counting needs."""

RULES = (
    "greedy",
    "greedy-no-skip",
    "greedy-threshold",
    "equalshares",
    "equalshares/add1",
    "equalshares/add1-comparison",
)
