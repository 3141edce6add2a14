from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from ctg.login import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm
admin.site.site_header = "CTG — administration"
admin.site.site_title = "CTG"
admin.site.index_title = "Administration des conventions territoriales globales"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="conventions:list", permanent=False)),
    path("connexion/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("conventions/", include("exchange.urls")),
    path("conventions/", include("conventions.urls")),
    path("conventions/", include("actions.urls")),
    path("conventions/", include("governance.urls")),
    path("conventions/", include("evaluation.urls")),
    path("conventions/", include("documents.urls")),
    path("", include("agenda.urls")),
]
