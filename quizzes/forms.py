from django import forms


class CommitForm(forms.Form):
    """One answer among the item's options; anything else is refused before any write."""

    answer = forms.ChoiceField()

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].choices = [(o.key, o.label) for o in options]
        self.fields["answer"].error_messages["invalid_choice"] = (
            "Choose one of the options shown for this item."
        )
