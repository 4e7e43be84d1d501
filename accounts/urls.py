from django.urls import path

from accounts import views, views_household, views_two_factor

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/code/", views_two_factor.login_code, name="login_code"),
    path("profile/two-factor/", views_two_factor.two_factor_page, name="two_factor"),
    path("register/", views.register, name="register"),
    path("register/sent/", views.register_sent, name="register_sent"),
    path("register/confirm/<key:token>/", views.register_confirm, name="register_confirm"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password-reset/<key:token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password-change/", views.password_change, name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("profile/email/", views.email_change, name="email_change"),
    path("profile/email/<key:token>/", views.email_confirm, name="email_confirm"),
    path("profile/notifications/", views.notifications, name="notifications"),
    path("unsubscribe/<key:token>/", views.unsubscribe, name="unsubscribe"),
    path("profile/link/", views.link_account, name="link_account"),
    path("profile/unlink/<int:account_id>/", views.unlink_account, name="unlink_account"),
    path("switch/", views.switch_account, name="switch_account"),
    path("household/", views_household.household_page, name="household"),
    path("household/<int:member_id>/role/", views_household.member_role, name="member_role"),
    path("household/<int:member_id>/remove/", views_household.member_remove, name="member_remove"),
    path(
        "household/invitations/<int:invitation_id>/cancel/",
        views_household.invitation_cancel,
        name="invitation_cancel",
    ),
    path("invitation/<key:token>/", views_household.invitation, name="invitation"),
]
