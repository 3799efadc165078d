"""The checks catalogue: one module per check, each registering itself with the engine.

To add a check: write a module here with a `@register`-ed `Check` subclass, import it below,
regenerate docs/checks.md (`safeguard checks docs`) and add its tests.
"""

from . import (  # noqa: F401
    accommodation_16_17,
    appointments_missed,
    capacity_risky_decision,
    cawn_s20,
    death_notifications,
    education_not_full_time,
    health_assessment,
    iro_dispute_overdue,
    medicine_collection,
    needs_assessment_due,
    nhs_number,
    out_of_area_not_notified,
    pathway_review_overdue,
    pep_not_reviewed,
    placement_health_info,
    return_interview,
    social_worker_visits,
    transition_no_plan,
)
