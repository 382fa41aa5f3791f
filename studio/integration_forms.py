"""Forms of the API page (and of the API's own webhook endpoint): naming a key, registering a webhook."""

from __future__ import annotations

from django import forms

from studio.models.api import WEBHOOK_EVENTS


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=80, required=False, strip=True, help_text="What uses it, e.g. “CMS plugin”."
    )


class WebhookEndpointForm(forms.Form):
    """The URL's safety (public addresses only) is checked by `webhooks.create_endpoint`, which
    resolves it: a form cannot know what a name resolves to when the endpoint is made."""

    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter a full URL, like https://example.com/atelier-webhook."},
    )
    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in WEBHOOK_EVENTS],
        initial=list(WEBHOOK_EVENTS),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one event.",
            "invalid_choice": f"%(value)s is not an event: choose from {', '.join(WEBHOOK_EVENTS)}.",
        },
    )
