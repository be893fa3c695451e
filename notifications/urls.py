from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    # Answers only for the provider named by INLOOP_TRACKING_ESP: with none set, this is a 404.
    path("tracking/<slug:esp>/", views.tracking_webhook, name="tracking_webhook"),
    # Answers only for the provider named by INLOOP_INBOUND_ESP: with none set, this is a 404.
    path("inbound/<slug:esp>/", views.inbound_webhook, name="inbound_webhook"),
    # Twilio's signed posts (notifications/texts): a text's statuses, and texts sent to our number.
    path("texts/status/", views.text_status_webhook, name="text_status_webhook"),
    path("texts/inbound/", views.text_inbound_webhook, name="text_inbound_webhook"),
]
