"""Forms of the data pages: catalogue entry, upload, type choices before the commit, SQL."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stadtkern.core.forms import DateInput

from .importing import Column
from .models import Access, Dataset, validate_dataset_slug
from .vocab import FREQUENCIES, LICENSES, THEMES

TYPE_CHOICES = [
    ("text", _("text")),
    ("integer", _("whole number")),
    ("decimal", _("decimal number")),
    ("boolean", _("yes/no")),
    ("date", _("date")),
    ("timestamp", _("date and time")),
]


class DatasetForm(forms.Form):
    slug = forms.CharField(
        label=_("Name"),
        max_length=63,
        validators=[validate_dataset_slug],
        help_text=_("Used in addresses and SQL queries, e.g. leerstandskataster."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    access = forms.ChoiceField(label=_("Access"), choices=Access.choices)
    license = forms.ChoiceField(label=_("Licence"), choices=LICENSES)
    attribution = forms.CharField(label=_("Attribution text"), max_length=300, required=False)
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=THEMES, required=False, widget=forms.CheckboxSelectMultiple
    )
    keywords = forms.CharField(
        label=_("Keywords"), max_length=1000, required=False, help_text=_("Separated by commas.")
    )
    contact_name = forms.CharField(label=_("Contact point"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    frequency = forms.ChoiceField(
        label=_("Update frequency"), choices=FREQUENCIES, initial="UNKNOWN"
    )
    temporal_start = forms.DateField(label=_("Covers from"), required=False, widget=DateInput())
    temporal_end = forms.DateField(label=_("Covers until"), required=False, widget=DateInput())
    source_url = forms.URLField(label=_("Source"), required=False, assume_scheme="https")
    outlines = forms.BooleanField(
        label=_("District outlines"),
        required=False,
        help_text=_(
            "Draw this dataset's areas as context on the municipality's maps, when no "
            "base map is chosen (public datasets with areas only)."
        ),  # fmt: skip
    )

    def __init__(self, *args, dataset: Dataset | None = None, **kwargs):
        if dataset is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                f: getattr(dataset, f) for f in self.base_fields if f not in ("keywords",)
            } | {"keywords": ", ".join(dataset.keywords)}
        super().__init__(*args, **kwargs)
        if dataset is not None:
            del self.fields["slug"]

    def clean_keywords(self) -> list[str]:
        words = [w.strip() for w in self.cleaned_data["keywords"].split(",") if w.strip()]
        if any(len(w) > 100 for w in words):
            raise forms.ValidationError(_("A keyword has at most 100 characters."))
        return words[:50]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV, XLSX, ODS, GeoJSON, GeoPackage or zipped Shapefile.")
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("detect from the file name"))]
        + [(f, f.upper()) for f in ("csv", "xlsx", "ods", "geojson", "gpkg", "shp")],
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        required=False,
        choices=[
            ("", _("detect")),
            ("utf-8", "UTF-8"),
            ("cp1252", "Windows-1252"),
            ("iso8859_15", "ISO 8859-15"),
        ],
    )
    delimiter = forms.ChoiceField(
        label=_("Delimiter"),
        required=False,
        choices=[
            ("", _("detect")),
            (";", _("semicolon ;")),
            (",", _("comma ,")),
            ("\t", _("tab")),
            ("|", "|"),
        ],
    )
    sheet = forms.CharField(label=_("Sheet or layer"), max_length=200, required=False)
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=[
            ("replace", _("replace all rows")),
            ("append", _("append rows")),
            ("upsert", _("update or insert by key")),
        ],
    )
    key = forms.CharField(
        label=_("Key column (for update or insert)"), max_length=63, required=False
    )
    crs = forms.CharField(
        label=_("Coordinate reference system"),
        max_length=40,
        required=False,
        help_text=_("Only if the file does not say so, e.g. EPSG:25832."),
    )


class CommitForm(forms.Form):
    """One type choice per column, prefilled with the inference, and what to do with errors."""

    on_error = forms.ChoiceField(
        label=_("Rows that cannot be converted"),
        choices=[
            ("skip", _("import the good rows, report the others")),
            ("abort", _("import nothing")),
        ],
        widget=forms.RadioSelect,
        initial="skip",
    )

    def __init__(self, *args, columns: list[Column] | list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for c in columns:
            name = c["name"] if isinstance(c, dict) else c.name
            kind = c["type"] if isinstance(c, dict) else c.type
            if kind == "geometry":
                continue
            self.fields[f"type_{name}"] = forms.ChoiceField(
                label=(c["title"] if isinstance(c, dict) else c.title) or name,
                choices=TYPE_CHOICES,
                initial=kind,
            )

    def types(self) -> dict[str, str]:
        return {k[5:]: v for k, v in self.cleaned_data.items() if k.startswith("type_")}


class SqlForm(forms.Form):
    sql = forms.CharField(
        label=_("SQL query"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}),
    )
