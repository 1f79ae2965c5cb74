"""Participation: processes with phases, participatory budgets, projects and ballots.

Ballots are secret once cast: a ``Ballot`` holds no user, code or time, only a key
derived with a secret of the instance (``BALLOT_SECRET``) from the voter, so that the
voter can change it until the vote closes while the database alone cannot tell whose
it is. Who has voted is recorded apart, in ``Participation``; its rows carry no link
to the ballot.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stadtkern.core.fields import OrderedJSONField, SecondsDateTimeField
from stadtkern.core.models import Municipality

from .counting_rules import RULES


class ProcessKind(models.TextChoices):
    BUDGET = "budget", _("Participatory budget")


class Process(models.Model):
    """A participation process of a municipality, e.g. its Bürgerhaushalt 2026."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="participation_processes"
    )
    slug = models.SlugField(_("short name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=ProcessKind.choices)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="process_slug_unique"),
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = _("participation process")
        verbose_name_plural = _("participation processes")

    def __str__(self) -> str:
        return self.title


class PhaseKind(models.TextChoices):
    PROPOSALS = "proposals", _("Proposals")
    REVIEW = "review", _("Review by the administration")
    VOTING = "voting", _("Voting")
    RESULTS = "results", _("Results")
    IMPLEMENTATION = "implementation", _("Implementation")


class Phase(models.Model):
    """A period of a process; its kind declares what participants may do (rules.py)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind.choices)
    starts_at = SecondsDateTimeField(_("starts"))
    ends_at = SecondsDateTimeField(_("ends"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="phase_ends_after_start",
            ),
        ]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self) -> str:
        return f"{self.process}: {self.get_kind_display()}"


# The outcome rules in words, for forms and result pages; the code stays as a detail.
RULE_LABELS = {
    "greedy": _("Most votes, skipping what does not fit"),
    "greedy-no-skip": _("Most votes, stopping at the first project that does not fit"),
    "greedy-threshold": _("Most votes, from a minimum number of votes"),
    "equalshares": _("Method of Equal Shares"),
    "equalshares/add1": _("Method of Equal Shares, shares raised until the budget is used"),
    "equalshares/add1-comparison": _(
        "Method of Equal Shares, shares raised, then compared with most votes"
    ),
}


class BallotKind(models.TextChoices):
    APPROVAL = "approval", _("Approval (choose projects)")
    KNAPSACK = "knapsack", _("Knapsack (projects within the budget)")
    CUMULATIVE = "cumulative", _("Cumulative (distribute points)")
    ORDINAL = "ordinal", _("Ranking")


class TieBreak(models.TextChoices):
    SUPPORTERS = "supporters", _("more supporters, then the cheaper, then the one listed first")
    CHEAPER = "cheaper", _("the cheaper, then more supporters, then the one listed first")
    LISTED = "listed", _("the one listed first")
    LOT = "lot", _("a lot drawn from a seed announced before the vote")


class Budget(models.Model):
    """The money a process distributes: the whole city's or one district's."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="budgets")
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # A district's sub-budget takes ballots of that district's residents only; blank: the whole town.
    district = models.CharField(_("district"), max_length=100, blank=True)
    ballot_kind = models.CharField(_("ballot"), max_length=20, choices=BallotKind.choices)
    min_projects = models.PositiveIntegerField(_("fewest projects per ballot"), default=1)
    max_projects = models.PositiveIntegerField(_("most projects per ballot"), null=True, blank=True)
    max_points = models.PositiveIntegerField(
        _("points per voter"), null=True, blank=True, help_text=_("cumulative ballots")
    )
    rule = models.CharField(
        _("outcome rule"), max_length=40, choices=[(r, RULE_LABELS.get(r, r)) for r in RULES]
    )
    # Between equally good projects (outcomes.tie_rank); a lot needs its seed announced
    # before the vote, so that anybody can repeat the draw.
    tie_break = models.CharField(
        _("ties"), max_length=12, choices=TieBreak.choices, default=TieBreak.SUPPORTERS
    )
    tie_seed = models.CharField(_("seed of the lot"), max_length=100, blank=True)
    min_score = models.DecimalField(
        _("minimum score"), max_digits=16, decimal_places=2, null=True, blank=True,
        help_text=_("projects with fewer votes or points are not funded"),
    )  # fmt: skip
    # Further META of an imported Pabulib file (country, edition, ...), written back on export.
    pabulib_meta = models.JSONField(default=dict, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    # When the closed vote's ballots were rewritten in random order (secrecy.py); no
    # voting phase can reopen it afterwards.
    sealed_at = models.DateTimeField(null=True, blank=True)
    # The counted outcome: rule, winners and each project's reason (outcomes.Outcome).
    outcome = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self) -> str:
        return f"{self.process}: {self.name}"


class Project(models.Model):
    """A project voters can choose in a budget."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="projects")
    # The project's id in the Pabulib sense: how ballots and exports name it.
    ref = models.CharField(_("number"), max_length=40)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    cost = models.DecimalField(
        _("cost"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    category = models.CharField(_("category"), max_length=300, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
    selected = models.BooleanField(_("funded"), null=True, blank=True)
    # A picture voters see on the ballot, re-encoded without metadata (as for proposals).
    image = models.BinaryField(null=True, blank=True, editable=False)
    image_type = models.CharField(max_length=20, blank=True)
    image_alt = models.CharField(_("description of the image"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "ref"], name="project_ref_unique"),
        ]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        from django.utils.translation import get_language

        return self.title_en if get_language() == "en" and self.title_en else self.title


class VotingCode(models.Model):
    """A one-time code on paper for people who vote without an account.

    Only the code's digest is stored; the code itself is printed once on a code sheet.
    """

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="voting_codes")
    digest = models.CharField(max_length=64, unique=True)
    # Codes are handed out per district; they open the town's budget and that district's.
    district = models.CharField(_("district"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("voting code")
        verbose_name_plural = _("voting codes")

    def __str__(self) -> str:
        return f"{self.process}: code {self.pk}"


class Participation(models.Model):
    """That a voter has cast a ballot in a budget (never which ballot)."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="participations",
    )  # fmt: skip
    code = models.ForeignKey(VotingCode, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["budget", "user"], name="participation_user_unique"),
            models.UniqueConstraint(fields=["budget", "code"], name="participation_code_unique"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) ^ models.Q(code__isnull=True),
                name="participation_user_or_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget}: {'account' if self.user_id else 'code'}"


class Ballot(models.Model):
    """A cast ballot: the projects chosen (points or ranks as the budget's kind asks).

    Random ids and no timestamps, so that neither the order of rows nor the time
    links a ballot to the participation record written with it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots")
    key = models.CharField(max_length=64)
    # Project refs in the voter's order (a ranking for ordinal ballots).
    projects = models.JSONField(default=list)
    points = models.JSONField(null=True, blank=True)
    # What an imported Pabulib file recorded for the ballot (voter_id, age band ...).
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["budget", "key"], name="ballot_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.budget}: ballot"


class VerificationMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person at the town hall")
    LETTER = "letter", _("Letter with a code to the registered address")
    EID = "eid", _("Online ID card (eID)")


class Verification(models.Model):
    """That a user was verified as a resident of a municipality (may vote with an account)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verifications"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(_("method"), max_length=20, choices=VerificationMethod.choices)
    district = models.CharField(_("district of residence"), max_length=100, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="verification_unique"),
        ]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality}"


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    FEASIBLE = "feasible", _("Feasible")
    INFEASIBLE = "infeasible", _("Not feasible")
    ACCEPTED = "accepted", _("Accepted")


class Proposal(models.Model):
    """A citizen's proposal in a process; the administration reviews it, and an accepted
    one may become a measure of the strategy (linked both ways: ``measure.proposals``)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="proposals")
    # Kept when the author's account is deleted (DSGVO Art. 17): the proposal stays, unsigned.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    field_of_action = models.ForeignKey(
        "strategy.FieldOfAction", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="proposals", verbose_name=_("field of action"),
    )  # fmt: skip
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    review_note = models.TextField(_("review by the administration"), blank=True)
    cost_estimate = models.DecimalField(
        _("estimated cost"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Hidden by moderation when a reason is given; the reason is shown in its place.
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    measure = models.ForeignKey(
        "strategy.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    # An optional picture, re-encoded on upload (no EXIF), with a text for those who cannot see it.
    image = models.BinaryField(null=True, blank=True, editable=False)
    image_type = models.CharField(max_length=20, blank=True)
    image_alt = models.CharField(_("description of the image"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return self.title

    @property
    def shown_field(self):
        """The field of action as proposals show it: a draft field is nobody's to see
        here (the strategy's pages show drafts to members)."""
        field = self.field_of_action if self.field_of_action_id else None
        return field if field is not None and field.published else None


class Support(models.Model):
    """That a participant supports a proposal (once each)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="support_unique")]

    def __str__(self) -> str:
        return f"{self.user} supports {self.proposal}"


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=3000)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:60]


class SurveyKind(models.TextChoices):
    SURVEY = "survey", _("Survey")
    PULSE = "pulse", _("Pulse check")


class Survey(models.Model):
    """A questionnaire: a survey of the public, or one wave of a repeated pulse check.

    Pulse checks of one series (``series``) are compared over time (the trend).
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="surveys")
    slug = models.SlugField(_("short name"), max_length=80)
    kind = models.CharField(
        _("kind"), max_length=10, choices=SurveyKind.choices, default=SurveyKind.SURVEY
    )
    series = models.SlugField(_("series"), max_length=80, blank=True)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Anonymous: answers keep no account. Signed: one response per account, shown to editors.
    anonymous = models.BooleanField(_("anonymous"), default=True)
    login_required = models.BooleanField(_("only for registered participants"), default=False)
    # A pulse check of the team or of key decision makers: answered and read by the
    # municipality's members only; the public sees neither the questionnaire nor the trend.
    team_only = models.BooleanField(_("only for the municipality's team"), default=False)
    opens_at = SecondsDateTimeField(_("opens"))
    closes_at = SecondsDateTimeField(_("closes"))
    published = models.BooleanField(_("published"), default=False)
    # When the closed survey's anonymous responses were rewritten in random order.
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="survey_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opening",
            ),
        ]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    LIKERT = "likert", _("Agreement from 1 to 5")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Free text")
    NPS = "nps", _("Recommendation from 0 to 10")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One filled-in questionnaire; ``user`` only for signed surveys.

    Random ids and no time, as with ballots: an anonymous response cannot be matched
    to the participation record written with it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Answers by question id: a number, a choice, a list of choices, or text.
    answers = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_response_unique")
        ]

    def __str__(self) -> str:
        return f"{self.survey}: response {self.pk}"


class SurveyParticipation(models.Model):
    """That an account answered an anonymous survey (never which response)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_participation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} answered {self.survey}"


class Assembly(models.Model):
    """A citizens' assembly (Bürgerrat): volunteers register with features; a panel is drawn
    by lot that meets quotas from the population's shares, with chances as equal as they allow."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="assemblies"
    )
    slug = models.SlugField(_("short name"), max_length=80)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    panel_size = models.PositiveIntegerField(_("members of the panel"))
    # Population shares per feature: {"Alter": {"16-29": 0.18, ...}, "Geschlecht": {...}}.
    shares = OrderedJSONField(_("population shares"))  # in the order the editors wrote them
    registration_open = models.BooleanField(_("registration open"), default=True)
    published = models.BooleanField(_("published"), default=True)
    # Announced before the draw, so that everyone can repeat it with the published distribution.
    seed = models.CharField(_("seed of the draw"), max_length=200, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    # The LEXIMIN distribution: volunteer ids per type, panels as counts per type, probabilities.
    distribution = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="assembly_slug_unique")
        ]
        verbose_name = _("citizens' assembly")
        verbose_name_plural = _("citizens' assemblies")

    def __str__(self) -> str:
        return self.title


class Volunteer(models.Model):
    """A person who volunteers for an assembly, with self-declared features and a contact
    for the invitation (deleted with the assembly)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="volunteers")
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("e-mail or postal address"), max_length=300)
    features = models.JSONField(default=dict)
    probability = models.FloatField(null=True, blank=True)
    selected = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return self.name


class ImplementationStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    DELAYED = "delayed", _("delayed")
    DROPPED = "dropped", _("dropped")


class Implementation(models.Model):
    """After the vote: how a selected project is being carried out, reported to the public
    (accountability), with the measure of the strategy that carries it."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="implementation")
    status = models.CharField(
        _("status"), max_length=20, choices=ImplementationStatus.choices,
        default=ImplementationStatus.PLANNED,
    )  # fmt: skip
    progress = models.PositiveSmallIntegerField(
        _("progress in percent"), default=0, validators=[MaxValueValidator(100)]
    )
    measure = models.ForeignKey(
        "strategy.Measure", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="implementations", verbose_name=_("measure"),
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("implementation")
        verbose_name_plural = _("implementations")

    def __str__(self) -> str:
        return str(self.project)


class ImplementationUpdate(models.Model):
    """A dated note on the way: what happened, optionally with a picture."""

    implementation = models.ForeignKey(
        Implementation, on_delete=models.CASCADE, related_name="updates"
    )
    day = models.DateField(_("date"))
    text = models.TextField(_("what happened"), max_length=5000)
    image = models.BinaryField(null=True, blank=True, editable=False)
    image_type = models.CharField(max_length=20, blank=True)
    image_alt = models.CharField(_("description of the image"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("implementation update")
        verbose_name_plural = _("implementation updates")

    def __str__(self) -> str:
        return f"{self.implementation}: {self.day}"
