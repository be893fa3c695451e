from django.urls import path

from . import views

app_name = "candidates"
urlpatterns = [
    path("status/<str:token>/", views.status_page, name="status"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
