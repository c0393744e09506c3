from django.urls import path

from corridor.documentation import views

urlpatterns = [
    path("", views.home, name="home"),
    path("statistics/", views.stats, name="stats"),
    path("vocabularies/", views.terms, name="terms"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<uuid:event_id>/", views.event_detail, name="event"),
    path("events/<uuid:event_id>/edit/", views.event_edit, name="event_edit"),
    path("events/<uuid:event_id>/acts/new/", views.act_new, name="act_new"),
    path("events/<uuid:event_id>/sources/", views.source_new, name="source_new"),
    path("events/<uuid:event_id>/chains/", views.chain_new, name="chain_new"),
    path("acts/<uuid:act_id>/", views.act_detail, name="act"),
    path("acts/<uuid:act_id>/involvements/", views.involvement_new, name="involvement_new"),
    path("persons/", views.person_list, name="persons"),
    path("persons/new/", views.person_new, name="person_new"),
    path("persons/<uuid:person_id>/", views.person_detail, name="person"),
    path("persons/<uuid:person_id>/case/", views.person_link, name="person_link"),
    path("persons/<uuid:person_id>/testimonies/new/", views.testimony_new, name="testimony_new"),
    path("testimonies/<uuid:testimony_id>/", views.testimony_detail, name="testimony"),
    path("testimonies/<uuid:testimony_id>/consents/", views.consent_new, name="consent_new"),
    path(
        "testimonies/<uuid:testimony_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"
    ),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<uuid:referral_id>/", views.referral_detail, name="referral"),
    path("referrals/<uuid:referral_id>/answers/", views.answer_new, name="answer_new"),
]
