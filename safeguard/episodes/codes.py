"""SSDA903 and CIN code lists (see shared domain FORMATS.md and the DfE guidance)."""

from django.db import models


class LegalStatus(models.TextChoices):
    C1 = "C1", "C1 Interim care order (s38)"
    C2 = "C2", "C2 Full care order (s31)"
    D1 = "D1", "D1 Freeing order"
    E1 = "E1", "E1 Placement order"
    V2 = "V2", "V2 Single period of accommodation under s20"
    V3 = "V3", "V3 Accommodated under an agreed series of short-term breaks (s20)"
    V4 = "V4", "V4 Accommodated under an agreed series of short-term breaks, episode (s20)"
    L1 = "L1", "L1 Under police protection (s46)"
    L2 = "L2", "L2 Emergency protection order (s44)"
    L3 = "L3", "L3 Child assessment order (s43)"
    J1 = "J1", "J1 Remanded to local authority accommodation"
    J2 = "J2", "J2 Detained in LA accommodation under PACE"
    J3 = "J3", "J3 Youth rehabilitation order with residence requirement"


# Legal statuses under which the child is accommodated by agreement (s20): the parents keep
# parental responsibility and the local authority gains none (Children Act 1989 s20(7)-(8)).
SECTION_20_STATUSES = frozenset({"V2", "V3", "V4"})
# Statuses that give the local authority parental responsibility (s33(3)).
CARE_ORDER_STATUSES = frozenset({"C1", "C2"})


class PlacementType(models.TextChoices):
    """SSDA903 PLACE codes (2024/25 list; 2025/26 replaces H5/P2/Z1 with Z11-Z14)."""

    A3 = "A3", "A3 Placed for adoption with consent with current foster carer"
    A4 = "A4", "A4 Placed for adoption with consent not with current foster carer"
    A5 = "A5", "A5 Placed for adoption with placement order with current foster carer"
    A6 = "A6", "A6 Placed for adoption with placement order not with current foster carer"
    H5 = "H5", "H5 Semi-independent living accommodation"
    K1 = "K1", "K1 Secure children's home"
    K2 = "K2", "K2 Children's home"
    K3 = "K3", "K3 Residential care home"
    P1 = "P1", "P1 Placed with own parent(s) or person with PR"
    P2 = "P2", "P2 Independent living"
    P3 = "P3", "P3 Residential employment"
    R1 = "R1", "R1 Residential care home (CQC)"
    R2 = "R2", "R2 NHS/health trust or other medical establishment"
    R3 = "R3", "R3 Family centre or mother and baby unit"
    R5 = "R5", "R5 Young offender institution or prison"
    S1 = "S1", "S1 Residential school"
    T0 = "T0", "T0 Temporary placement"
    T1 = "T1", "T1 Temporary: periods in hospital"
    T2 = "T2", "T2 Temporary: absence on holiday"
    T3 = "T3", "T3 Temporary: accommodation whilst carers on holiday"
    T4 = "T4", "T4 Temporary: other"
    U1 = "U1", "U1 Foster placement with relative or friend (long term)"
    U2 = "U2", "U2 Foster placement with relative or friend (FFA/concurrent)"
    U3 = "U3", "U3 Foster placement with relative or friend (not long term)"
    U4 = "U4", "U4 Foster placement with other foster carer (long term)"
    U5 = "U5", "U5 Foster placement with other foster carer (FFA/concurrent)"
    U6 = "U6", "U6 Foster placement with other foster carer (not long term)"
    Z1 = "Z1", "Z1 Other placement"
    Z11 = "Z11", "Z11 Supported accommodation (Ofsted registered)"
    Z12 = "Z12", "Z12 Supported accommodation exempt from registration"
    Z13 = "Z13", "Z13 Supported lodgings"
    Z14 = "Z14", "Z14 Other arrangements"


FOSTER_PLACEMENTS = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})


class PlacementProvider(models.TextChoices):
    """SSDA903 PLACE_PROVIDER."""

    PR0 = "PR0", "PR0 Parent(s) or other person with PR"
    PR1 = "PR1", "PR1 Own provision (by the council)"
    PR2 = "PR2", "PR2 Other local authority provision"
    PR3 = "PR3", "PR3 Other public provision (e.g. a PCT)"
    PR4 = "PR4", "PR4 Private provision"
    PR5 = "PR5", "PR5 Voluntary/third sector provision"


class CPCategory(models.TextChoices):
    NEGLECT = "neglect", "Neglect"
    PHYSICAL = "physical", "Physical abuse"
    SEXUAL = "sexual", "Sexual abuse"
    EMOTIONAL = "emotional", "Emotional abuse"
    MULTIPLE = "multiple", "Multiple"


class CINPrimaryNeed(models.TextChoices):
    N1 = "N1", "N1 Abuse or neglect"
    N2 = "N2", "N2 Child's disability"
    N3 = "N3", "N3 Parental illness or disability"
    N4 = "N4", "N4 Family in acute stress"
    N5 = "N5", "N5 Family dysfunction"
    N6 = "N6", "N6 Socially unacceptable behaviour"
    N7 = "N7", "N7 Low income"
    N8 = "N8", "N8 Absent parenting"
