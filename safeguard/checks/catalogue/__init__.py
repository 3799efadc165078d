"""The checks catalogue: one module per check, each registering itself with the engine.

To add a check: write a module here with a `@register`-ed `Check` subclass, import it below,
regenerate docs/checks.md (`safeguard checks docs`) and add its tests.
"""

from . import (  # noqa: F401
    cawn_s20,
    health_assessment,
    joined_up_risk,
    medicine_collection,
    nhs_number,
    placement_stability,
    return_interview,
    school_exclusion,
    social_worker_visits,
)
