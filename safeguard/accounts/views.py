"""Signing in and out.

Pages:
    Sign in   /sign-in/   accounts:sign-in   username and password (GOV.UK form pattern)
    Sign out  /sign-out/  accounts:sign-out  POST only (a link or an image cannot sign
                                             anyone out); then back to sign in
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views

from safeguard.core.forms import error_summary

from .forms import SignInForm


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["errors"] = error_summary(form) if form.is_bound else []
        return context


class SignOutView(auth_views.LogoutView):
    # Django's LogoutView accepts POST only (GET is 405).
    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, "You have signed out")
        return response
