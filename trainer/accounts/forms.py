from django.contrib.auth.forms import UserCreationForm


class SignupForm(UserCreationForm):
    """Username and password, plus an optional e-mail address for password resets."""

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.required = False
        email.label = "Email (optional)"
        email.help_text = "Only used to send you a link if you forget your password."
        email.widget.attrs["autocomplete"] = "email"
