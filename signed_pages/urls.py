from django.urls import path

from signed_pages import candidate as views
from signed_pages import client as client_views

app_name = "candidates"
urlpatterns = [
    path("status/<str:token>/", views.status_page, name="status"),
    path("s/<str:token>/", views.status_short, name="status_short"),
    path("status/<str:token>/preferences/", views.preferences, name="preferences"),
    path("status/<str:token>/channel/", views.channel, name="channel"),
    path("status/<str:token>/applications/<int:application_id>/ask/", views.ask_for_update, name="ask_for_update"),
    path(
        "status/<str:token>/applications/<int:application_id>/feedback/",
        views.ask_for_feedback,
        name="ask_for_feedback",
    ),
    path("status/<str:token>/new-link/", views.new_link, name="new_link"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("answer/<str:token>/", client_views.client_answer, name="client_answer"),
]
