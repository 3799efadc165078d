"""Sources shared by the meeting and plan checks (not a check: imports nothing)."""

from ..engine import Source

WT2023 = Source(
    "Working Together to Safeguard Children 2023",
    "strategy discussion whenever there is reasonable cause to suspect significant harm",
)
WT2023_CONFERENCES = Source(
    "Working Together to Safeguard Children 2023", "child protection conferences and plans"
)
S47 = Source("Children Act 1989", "s47(1)")
REVIEW = "Practice review 'Sarah' (Worcestershire, 2021)"
REC2 = Source(REVIEW, "Recommendation 2")
REC3 = Source(REVIEW, "Recommendation 3")
REC6 = Source(REVIEW, "Recommendation 6")
CPPCR = "Care Planning, Placement and Case Review (England) Regulations 2010"
