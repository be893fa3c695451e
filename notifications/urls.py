from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    # Answers only for the provider named by INLOOP_TRACKING_ESP: with none set, this is a 404.
    path("tracking/<slug:esp>/", views.tracking_webhook, name="tracking_webhook"),
    # Answers only for the provider named by INLOOP_INBOUND_ESP: with none set, this is a 404.
    path("inbound/<slug:esp>/", views.inbound_webhook, name="inbound_webhook"),
]
