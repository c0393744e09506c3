from django.urls import path

from corridor.accounts import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_otp, name="login_otp"),
    path("logout/", views.logout_view, name="logout"),
    path("invite/<str:token>/", views.invite_accept, name="invite_accept"),
    path("enrol/", views.enrol_totp, name="enrol_totp"),
    path("recover/", views.recover, name="recover"),
    path("reauth/", views.reauth, name="reauth"),
    path("me/", views.security, name="security"),
    path("me/logout-all/", views.logout_all, name="logout_all"),
    path("me/passphrase/", views.passphrase_change, name="passphrase_change"),
    path("me/duress/", views.duress_passphrase, name="duress_passphrase"),
    path("me/age-key/", views.age_key, name="age_key"),
    path("staff/", views.staff, name="staff"),
    path("staff/invite/", views.invite, name="invite"),
    path("staff/<int:user_id>/", views.staff_member, name="staff_member"),
    path("staff/<int:user_id>/role/", views.staff_role, name="staff_role"),
    path("staff/<int:user_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("compartments/", views.compartments, name="compartments"),
    path("compartments/<int:compartment_id>/", views.compartment_members, name="compartment"),
    path(
        "compartments/<int:compartment_id>/rebuild-hashes/",
        views.compartment_hashes_rebuild,
        name="compartment_hashes_rebuild",
    ),
    path("compartments/<int:compartment_id>/grant/", views.member_grant, name="member_grant"),
    path(
        "compartments/<int:compartment_id>/revoke/<int:user_id>/",
        views.member_revoke,
        name="member_revoke",
    ),
]
