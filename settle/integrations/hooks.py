"""The inbound webhook endpoint `/hooks/<source>/<merchant>/`: raw body in, verification, one INSERT, answer."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import webhook_receive


@csrf_exempt
@require_POST
def receive(request, source: str, merchant: str):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    from django.conf import settings

    # Refuse before reading: the body of an oversized request is never loaded.
    body = b"" if length > settings.SETTLE_WEBHOOK_MAX_BYTES else request.body
    receipt = webhook_receive(merchant_slug=merchant, source=source, body=body, headers=request.headers,
                              content_length=max(length, len(body)))  # fmt: skip
    return HttpResponse(receipt.detail, status=receipt.status, content_type="text/plain")
