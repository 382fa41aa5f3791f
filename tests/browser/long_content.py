"""Long content for layout tests: a conversation with a long title and long prompts, after ten more conversations
(so the sidebar's list scrolls on phones and tablets), Studio jobs with long prompts, many gallery images (some
3:2). Run in the server's environment with `manage.py shell -c`; prints the ids."""

SEED = r"""
import io, json
from PIL import Image
from django.contrib.auth import get_user_model
from conversations.models import Conversation, Turn
from studio.core.requests import ImageOptions, ImageRequest, TurnRequest, to_json
from studio.core.storage import store_image
from studio.models import GenerationJob

user = get_user_model().objects.get(username="designer")
WORD = "supercalifragilisticexpialidocious-" * 3
LONG = ("A very long prompt about a lighthouse on a cliff at dusk with gulls, rain and a ferry in the distance, "
        "in the style of a 1930s travel poster, muted teal and orange, grain, " + WORD) * 2

def png(size, colour):
    out = io.BytesIO(); Image.new("RGB", size, colour).save(out, "PNG"); return out.getvalue()

def job(kind, prompt, request, **fields):
    return GenerationJob.objects.create(owner=user, kind=kind, status="succeeded", request=to_json(request),
        prompt=prompt, image_model="gpt-image-2", quality="low", size="1536x1024", **fields)

for i in range(10):
    Conversation.objects.create(owner=user, title=f"Earlier conversation {i + 1}")
options = ImageOptions(model="gpt-image-2", size="1536x1024", quality="low", partial_images=0)
conversation = Conversation.objects.create(owner=user, title=("A conversation with a very long title " + WORD)[:120])
parent = None
for i in range(3):
    request = TurnRequest(prompt=LONG[: 300 + i * 100], options=options, mainline_model="gpt-5.4", conversation_id=conversation.pk)
    turn_job = job("response", request.prompt, request)
    store_image(user, png((1536, 1024), (30 + i * 40, 90, 160)), kind="final", job=turn_job)
    parent = Turn.objects.create(conversation=conversation, job=turn_job, parent=parent)
for i in range(2):
    request = ImageRequest(prompt=LONG[: 400 + i * 50], n=2, options=options)
    studio_job = job("image_generate", request.prompt, request)
    for index in range(2):
        store_image(user, png((1536, 1024), (160, 40 + index * 60 + i * 20, 90)), kind="final", job=studio_job, output_index=index)
wide = store_image(user, png((1536, 1024), (200, 120, 40)), kind="upload")
for i in range(12):
    store_image(user, png((1024, 1536) if i % 3 == 0 else (1024, 1024), (i * 20, 200 - i * 10, 100)), kind="upload")
print(json.dumps({"conversation": conversation.pk, "wide_image": wide.pk}))
"""
