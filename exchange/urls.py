from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("nouvelle/depuis-word/", views.docx_upload, name="docx_upload"),
    path("nouvelle/depuis-word/<str:token>/", views.docx_preview, name="docx_preview"),
]
