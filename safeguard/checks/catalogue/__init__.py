"""The checks catalogue: one module per check, each registering itself with the engine.

To add a check: write a module here with a `@register`-ed `Check` subclass, import it below,
regenerate docs/checks.md (`safeguard checks docs`) and add its tests.
"""

from . import (  # noqa: F401
    cawn_s20,
    cla_review,
    cla_review_attendance,
    cla_review_health,
    core_group,
    cp_plan_duration,
    emergency_access_review,
    health_assessment,
    initial_conference,
    mace_convened,
    mace_strategy,
    medicine_collection,
    meeting_actions,
    meeting_minutes,
    milestone_drift,
    nhs_number,
    return_interview,
    review_conference,
    s47_enquiry,
    social_worker_visits,
    strategy_attendance,
    strategy_discussion,
)
