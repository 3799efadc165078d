"""CIN census code lists used at the front door (DfE children in need census).

Referral source (`ReferralSource`, N00152) and the factors identified at the end of
assessment (`AssessmentFactor`, N00181). Checked against the valid-code lists of the
census validator `csc-validator-be-cin` (Data to Insight; rules 8866 and 8897Q), which
rejects any other value:

- referral source: 1A-1D, 2A-2B, 3A-3F, 4, 5A-5D, 6, 7, 8, 9, 10;
- factors: 1A-6C (A the child, B the parent or carer, C another person in the household),
  7A, 8B-8F (private fostering), 9A-17A, 18B-18C and 19B-19C, 20, 21 (no factors
  identified: never with another code, rule 8869), 22A-24A. 18A and 19A are still accepted
  by the validator but queried (8945Q, 8950Q: "use B or C instead"), so they are not
  offered here.

Which abuse 18 and 19 are (the validator does not say): **18 is physical abuse and 19
sexual abuse**, as the DfE lists them. Sources: the DfE's published factors table
("Characteristics of children in need", table C3, factors identified at the end of
assessment, 2018 to 2024), whose columns run in code order: neglect (16A), emotional abuse
(17A), physical abuse (unknown, child on child, adult on child), sexual abuse (unknown,
child on child, adult on child), female genital mutilation (20); and local authorities'
answers quoting the census codes ("Physical abuse (18A); Sexual abuse (19A)", Devon County
Council FOI response, children in need cohorts risk factors). A is the undivided code
(retired), B child on child and C adult on child, in the DfE's order. Child sexual
exploitation is its own factor, 11A, not 18. An earlier version here had 18 and 19 the
other way round "as remembered": confirm the labels against the year's CIN census guide
(annex: factors identified at the end of assessment) before a return.

The labels follow the DfE census guide's wording, shortened.
"""

from django.db import models


class ReferralSource(models.TextChoices):
    FAMILY = "1A", "Individual: family member, relative or carer"
    ACQUAINTANCE = "1B", "Individual: acquaintance (including neighbours and child minders)"
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
    LA_SOCIAL_CARE = "5A", "LA services: social care (e.g. adult social care)"
    LA_OTHER_INTERNAL = "5B", "LA services: other internal"
    LA_EXTERNAL = "5C", "LA services: external (e.g. another local authority)"
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
    PF_OVERSEAS_RETURN = "8B", "Privately fostered: overseas child who intends to return"
    PF_OVERSEAS_STAY = "8C", "Privately fostered: overseas child who intends to stay"
    PF_EDUCATION = "8D", "Privately fostered: UK child in an educational placement"
    PF_FAMILY = "8E", "Privately fostered: UK child in an alternative family arrangement"
    PF_OTHER = "8F", "Privately fostered: other"
    UASC = "9A", "Unaccompanied asylum-seeking child"
    MISSING = "10A", "Going or being missing"
    CSE = "11A", "Child sexual exploitation"
    TRAFFICKING = "12A", "Trafficking"
    GANGS = "13A", "Gangs"
    BEHAVIOUR = "14A", "Socially unacceptable behaviour"
    SELF_HARM = "15A", "Self-harm"
    NEGLECT = "16A", "Abuse or neglect: neglect"
    EMOTIONAL = "17A", "Abuse or neglect: emotional abuse"
    # 18 physical, 19 sexual; B child on child, C adult on child (see the module docstring).
    PHYSICAL_CHILD_ON_CHILD = "18B", "Abuse or neglect: physical abuse, child on child"
    PHYSICAL_ADULT_ON_CHILD = "18C", "Abuse or neglect: physical abuse, adult on child"
    SEXUAL_CHILD_ON_CHILD = "19B", "Abuse or neglect: sexual abuse, child on child"
    SEXUAL_ADULT_ON_CHILD = "19C", "Abuse or neglect: sexual abuse, adult on child"
    FGM = "20", "Female genital mutilation"
    NONE = "21", "No factors identified"
    FAITH = "22A", "Abuse linked to faith or belief"
    CCE = "23A", "Child criminal exploitation"
    OTHER = "24A", "Other"


# "21 No factors identified" stands alone (census rule 8869).
NO_FACTORS = AssessmentFactor.NONE
