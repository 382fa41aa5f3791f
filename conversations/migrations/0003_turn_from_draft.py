from django.db import migrations, models

TITLE_LENGTH = 60  # as services.title_from_prompt (a migration keeps its own copy)


def title_untitled_conversations(apps, schema_editor) -> None:
    """Conversations started before every path titled them get the title of their first prompt."""
    Conversation = apps.get_model("conversations", "Conversation")
    Turn = apps.get_model("conversations", "Turn")
    for conversation in Conversation.objects.filter(title=""):
        first = Turn.objects.filter(conversation=conversation).select_related("job").order_by("created_at", "pk")
        first = first.first()
        if first is None or not first.job.prompt.strip():
            continue
        words = " ".join(first.job.prompt.split())
        if len(words) > TITLE_LENGTH:
            words = words[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
        conversation.title = words
        conversation.save(update_fields=["title"])


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_turn_results_on_the_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="turn",
            name="from_draft",
            field=models.BooleanField(
                default=False, help_text="Continues from a draft (a stopped turn's kept image, sent as its input)."
            ),
        ),
        migrations.RunPython(title_untitled_conversations, migrations.RunPython.noop),
    ]
