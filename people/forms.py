from django import forms
from django.contrib.auth.forms import SetPasswordMixin

from conventions.enums import Role
from ctg.forms import CleanInputMixin

from .rules import roles_in


class InvitationForm(CleanInputMixin, forms.Form):
    email = forms.EmailField(label="Adresse e-mail", max_length=254)
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    role = forms.ChoiceField(label="Rôle")
    referent = forms.BooleanField(
        label="Référent : invite et retire à son tour les personnes", required=False
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        roles = roles_in(organisation)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        self.fields["role"].initial = roles[0]
        if Role.CAF not in roles:
            del self.fields["referent"]


# The site's validators (settings.AUTH_PASSWORD_VALIDATORS), said in one sentence.
PASSWORD_HELP = (
    "Au moins 8 caractères, pas uniquement des chiffres, ni un mot de passe courant, ni proche de votre nom "
    "ou de votre adresse."
)


class AcceptInvitationForm(CleanInputMixin, SetPasswordMixin, forms.Form):
    """A new account's name and password, checked by the site's password validators."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1="Mot de passe", label2="Confirmation du mot de passe"
    )

    def __init__(self, *args, account, **kwargs):
        # `account`: an unsaved user bearing the invitation's address, for the similarity check.
        self.account = account
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = PASSWORD_HELP

    def clean(self):
        cleaned = super().clean()
        self.account.first_name = cleaned.get("first_name", "")
        self.account.last_name = cleaned.get("last_name", "")
        self.validate_passwords()
        self.validate_password_for_user(self.account)
        return cleaned
