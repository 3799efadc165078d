"""Code lists shared with the DfE returns (CIN census, SSDA903)."""

from django.db import models


class Sex(models.TextChoices):
    # CIN census 2024/25 onwards: M, F, U (not known / not recorded).
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Not known"


class Ethnicity(models.TextChoices):
    """DfE ethnicity codes (CIN census / SSDA903 ETHNIC)."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"
