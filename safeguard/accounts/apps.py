from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safeguard.accounts"
    label = "accounts"
    verbose_name = "Agencies and professionals"
