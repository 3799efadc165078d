"""CIN census code lists used at the front door (DfE Children in need census guide).

Referral source (`ReferralSource`) and the factors identified at assessment
(`AssessmentFactors`) as the census collects them; the census validator
(`csc-validator-be-cin`) rejects any other value.
"""

from django.db import models


class ReferralSource(models.TextChoices):
    FAMILY = "1A", "Individual: family member, relative or carer"
    ACQUAINTANCE = "1B", "Individual: acquaintance (including peers)"
    SELF = "1C", "Individual: self"
    OTHER_INDIVIDUAL = "1D", "Individual: other"
    SCHOOLS = "2A", "Schools"
    EDUCATION = "2B", "Education services"
    GP = "3A", "Health services: GP"
    HEALTH_VISITOR = "3B", "Health services: health visitor"
    SCHOOL_NURSE = "3C", "Health services: school nurse"
    OTHER_PRIMARY_HEALTH = "3D", "Health services: other primary health services"
    AE = "3E", "Health services: A&E"
    OTHER_HEALTH = "3F", "Health services: other"
    HOUSING = "4", "Housing"
    LA_SOCIAL_CARE = "5A", "LA services: social care"
    LA_OTHER_INTERNAL = "5B", "LA services: other internal"
    LA_EXTERNAL = "5C", "LA services: external"
    LA_EARLY_HELP = "5D", "LA services: early help"
    POLICE = "6", "Police"
    OTHER_LEGAL = "7", "Other legal agency"
    OTHER = "8", "Other"
    ANONYMOUS = "9", "Anonymous"
    UNKNOWN = "10", "Unknown"


# Sources that are members of the public (not an agency): the "malicious without the
# referrer spoken to" check applies to these.
PUBLIC_SOURCES = ("1A", "1B", "1C", "1D", "9")


class AssessmentFactor(models.TextChoices):
    ALCOHOL_CHILD = "1A", "Alcohol misuse: the child"
    ALCOHOL_PARENT = "1B", "Alcohol misuse: the parent or carer"
    ALCOHOL_OTHER = "1C", "Alcohol misuse: another person in the household"
    DRUGS_CHILD = "2A", "Drug misuse: the child"
    DRUGS_PARENT = "2B", "Drug misuse: the parent or carer"
    DRUGS_OTHER = "2C", "Drug misuse: another person in the household"
    DA_CHILD = "3A", "Domestic abuse: the child"
    DA_PARENT = "3B", "Domestic abuse: the parent or carer"
    DA_OTHER = "3C", "Domestic abuse: another person in the household"
    MH_CHILD = "4A", "Mental health: the child"
    MH_PARENT = "4B", "Mental health: the parent or carer"
    MH_OTHER = "4C", "Mental health: another person in the household"
    LD_CHILD = "5A", "Learning disability: the child"
    LD_PARENT = "5B", "Learning disability: the parent or carer"
    LD_OTHER = "5C", "Learning disability: another person in the household"
    PD_CHILD = "6A", "Physical disability or illness: the child"
    PD_PARENT = "6B", "Physical disability or illness: the parent or carer"
    PD_OTHER = "6C", "Physical disability or illness: another person in the household"
    YOUNG_CARER = "7A", "Young carer"
    PRIVATE_FOSTERING = "8B", "Privately fostered"
    UASC = "9A", "Unaccompanied asylum-seeking child"
    MISSING = "10A", "Going or being missing"
    CSE = "11A", "Child sexual exploitation"
    TRAFFICKING = "12A", "Trafficking"
    GANGS = "13A", "Gangs"
    BEHAVIOUR = "14A", "Socially unacceptable behaviour"
    SELF_HARM = "15A", "Self-harm"
    NEGLECT = "16A", "Abuse or neglect: neglect"
    EMOTIONAL = "17A", "Abuse or neglect: emotional abuse"
    SEXUAL_BY_ADULT = "18B", "Abuse or neglect: sexual abuse by an adult"
    SEXUAL_BY_CHILD = "18C", "Abuse or neglect: sexual abuse by another child"
    PHYSICAL = "19A", "Abuse or neglect: physical abuse"
    FGM = "20", "Female genital mutilation"
    FAITH = "21", "Abuse linked to faith or belief"
    CCE = "22A", "Child criminal exploitation"
    OTHER = "24A", "Other"
