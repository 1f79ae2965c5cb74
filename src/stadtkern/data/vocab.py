"""Controlled vocabularies of DCAT-AP.de: licences, EU data themes, update frequencies.

The IRIs are those GovData harvests; labels are German first, English second.
"""

from django.utils.translation import gettext_lazy as _

LICENSE_BASE = "http://dcat-ap.de/def/licenses/"
THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"
FILE_TYPE_BASE = "http://publications.europa.eu/resource/authority/file-type/"
GEOCODING_BASE = "http://dcat-ap.de/def/politicalGeocoding/"

LICENSES = [
    ("dl-by-de/2.0", _("Data licence Germany – attribution – 2.0")),
    ("dl-zero-de/2.0", _("Data licence Germany – zero – 2.0")),
    ("cc-by/4.0", _("Creative Commons Attribution 4.0 International (CC BY 4.0)")),
    ("cc-by-sa/4.0", _("Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)")),
    ("cc-zero", _("Creative Commons Zero (CC0 1.0)")),
    ("odbl", _("Open Data Commons Open Database License (ODbL)")),
    ("officialWork", _("Official work (§ 5 UrhG), free of copyright")),
]

THEMES = [
    ("AGRI", _("Agriculture, fisheries, forestry and food")),
    ("ECON", _("Economy and finance")),
    ("EDUC", _("Education, culture and sport")),
    ("ENER", _("Energy")),
    ("ENVI", _("Environment")),
    ("GOVE", _("Government and public sector")),
    ("HEAL", _("Health")),
    ("INTR", _("International issues")),
    ("JUST", _("Justice, legal system and public safety")),
    ("REGI", _("Regions and cities")),
    ("SOCI", _("Population and society")),
    ("TECH", _("Science and technology")),
    ("TRAN", _("Transport")),
]

FREQUENCIES = [
    ("CONT", _("continuously")),
    ("DAILY", _("daily")),
    ("WEEKLY", _("weekly")),
    ("MONTHLY", _("monthly")),
    ("QUARTERLY", _("quarterly")),
    ("ANNUAL", _("annually")),
    ("IRREG", _("irregularly")),
    ("NEVER", _("never (closed)")),
    ("UNKNOWN", _("unknown")),
]

# Download formats every dataset offers, with their EU file type and media type.
EXPORTS = {
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    "geojson": ("GEOJSON", "application/geo+json"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
