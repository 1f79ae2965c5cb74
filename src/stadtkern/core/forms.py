from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """A date picker; its value is always ISO (``2025-03-01``), whatever the language.

    Browsers accept nothing else in ``<input type="date">``: a German ``01.03.2025``
    shows an empty field, and saving the form unchanged would erase the date.
    """

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A date and time picker whose value is always ISO (``2025-03-01T09:30:00``), to
    the second, so that a time set to the second comes back unchanged."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": "1", **(attrs or {})}, format="%Y-%m-%dT%H:%M:%S")


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the token"),
        max_length=100,
        help_text=_("What the token is for, e.g. “import script”."),
    )


def error_text(form: forms.Form) -> str:
    """A form's errors as one sentence, for a message on the page a small form returns to."""
    return " ".join(e for errors in form.errors.values() for e in errors)


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names; errors about anything
    the form has no field for (the whole object, a list of rows) go on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=[])

    def __init__(self, *args, **kwargs):
        from .models import Role

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices
        self.fields["role"].initial = Role.EDITOR


class BaseMapForm(forms.Form):
    map_tile_url = forms.CharField(
        label=_("Base map tiles"),
        max_length=500,
        required=False,
        help_text=_(
            "An XYZ address with {z}, {x} and {y}, or a WMTS RESTful address with "
            "{TileMatrix}, {TileRow} and {TileCol}. Empty: no base map, so no visitor "
            "data goes to a map service."
        ),  # fmt: skip
    )
    map_tile_attribution = forms.CharField(
        label=_("Attribution of the base map"), max_length=300, required=False,
        help_text=_("As its provider asks, e.g. © GeoBasis-DE / BKG (2026) CC BY 4.0."),
    )  # fmt: skip


class PopulationForm(forms.Form):
    """What comparisons per 1,000 inhabitants divide by, with where it comes from."""

    population = forms.IntegerField(
        label=_("Population"), min_value=0, max_value=100_000_000, required=False
    )
    population_year = forms.IntegerField(
        label=_("As of year"), min_value=1900, max_value=2100, required=False
    )
    population_source = forms.CharField(
        label=_("Source"), max_length=200, required=False,
        help_text=_("E.g. Statistisches Landesamt, population on 31 December."),
    )  # fmt: skip


class MunicipalityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name"), max_length=80, help_text=_("Used in addresses, e.g. musterstadt.")
    )
    ags = forms.CharField(
        label=_("AGS (official municipality key)"), max_length=8, required=False,
        help_text=_("Eight digits, e.g. 05170024; may stay empty only for an association."),
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    state = forms.ChoiceField(label=_("Federal state"), choices=[])
    population = forms.IntegerField(label=_("Population"), min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        from .models import Bundesland, MunicipalityKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = MunicipalityKind.choices
        self.fields["state"].choices = Bundesland.choices


class AccountForm(forms.Form):
    """A new account for someone accepting an invitation."""

    username = forms.RegexField(
        label=_("User name"), max_length=150, regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and . @ + - _ only."),
    )  # fmt: skip
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=1)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class SearchableSelectMultiple(forms.SelectMultiple):
    """A multiple choice that static/stadtkern/js/combobox.js turns into a searchable,
    keyboard-operable combobox (ARIA 1.2 pattern); without the script it stays a plain
    list. ``alt_label(instance)`` gives words to search besides the label (the title in
    the other language)."""

    template_name = "django/forms/widgets/select.html"

    def __init__(self, attrs=None, alt_label=None):
        texts = {
            "data-text-chosen": _("Chosen"),
            "data-text-remove": _("Remove %s"),
            "data-text-added": _("%s added"),
            "data-text-removed": _("%s removed"),
            "data-text-results": _("%s results; choose with the arrow keys and Enter"),
            "data-text-none": _("Nothing found"),
        }
        super().__init__(attrs={"data-combobox": "", "size": 8, **texts, **(attrs or {})})
        self.alt_label = alt_label

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if self.alt_label is not None and instance is not None:
            option["attrs"]["data-alt"] = self.alt_label(instance)
        return option
