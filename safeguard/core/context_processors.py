from django.conf import settings


def site(request):
    return {
        "partnership_name": settings.SAFEGUARD_PARTNERSHIP_NAME,
        "safeguard_mode": settings.MODE,
        "feedback_url": settings.SAFEGUARD_FEEDBACK_URL,
    }
