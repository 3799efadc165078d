"""The checks catalogue: one module per check, each registering itself with the engine.

To add a check: write a module here with a `@register`-ed `Check` subclass, import it below,
regenerate docs/checks.md (`safeguard checks docs`) and add its tests.
"""

from . import (  # noqa: F401
    absence_cover,
    assessment_timescale,
    cawn_s20,
    closed_with_open,
    cp_visits,
    flagged_adult,
    health_assessment,
    household_checks,
    malicious_referrer,
    medicine_collection,
    nhs_number,
    non_mobile_injury,
    referral_decision,
    repeat_nfa,
    return_interview,
    seen_alone,
    social_worker_visits,
)
