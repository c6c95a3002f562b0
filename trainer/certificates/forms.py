from django import forms

# A credential is a few kilobytes; anything far larger is not one of ours.
MAX_CREDENTIAL_CHARS = 20_000


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label="Credential (the text of the .jwt file)",
        required=False,
        max_length=MAX_CREDENTIAL_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    file = forms.FileField(label="or upload the .jwt file", required=False)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return ""
        if upload.size > MAX_CREDENTIAL_CHARS:
            raise forms.ValidationError("That file is too large to be a credential.")
        try:
            return upload.read().decode("ascii")
        except UnicodeDecodeError:
            raise forms.ValidationError("That file is not a credential (.jwt).") from None

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("credential") or cleaned.get("file")):
            raise forms.ValidationError("Paste a credential or choose its file.")
        return cleaned

    def token(self) -> str:
        return (self.cleaned_data.get("credential") or self.cleaned_data.get("file")).strip()
