from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ctg.login import AdminLoginForm, LoginForm, PasswordResetView

admin.site.login_form = AdminLoginForm
admin.site.site_header = "CTG — administration"
admin.site.site_title = "CTG"
admin.site.index_title = "Administration des conventions territoriales globales"

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # « Mot de passe oublié » : Django's views (the request throttled), French templates in
    # templates/registration/.
    path("mot-de-passe/oublie/", PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("mot-de-passe/nouveau/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("mot-de-passe/change/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
    path("conventions/", include("exchange.urls")),
    path("conventions/", include("conventions.urls")),
    path("conventions/", include("actions.urls")),
    path("conventions/", include("governance.urls")),
    path("conventions/", include("evaluation.urls")),
    path("conventions/", include("documents.urls")),
    path("", include("agenda.urls")),
    path("", include("people.urls")),
    path("", include("portfolio.urls")),
    path("", include("search.urls")),
]
