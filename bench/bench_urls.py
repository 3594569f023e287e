"""The baseline for bench/webhooks.py: a bare view that only checks the HMAC and inserts the row."""

import base64
import hashlib
import hmac
import os

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from settle.core import clock
from settle.integrations.models import InboundEvent
from settle.urls import urlpatterns as settle_patterns

SECRET = os.environ["BENCH_SHOPIFY_SECRET"].encode()
MERCHANT_ID = int(os.environ["BENCH_MERCHANT_ID"])


@csrf_exempt
def bare(request):
    body = request.body
    mac = base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(mac, request.headers.get("X-Shopify-Hmac-Sha256", "")):
        return HttpResponse(status=401)
    InboundEvent.objects.create(merchant_id=MERCHANT_ID, source="shopify", topic="orders/create", verified=True,
                                delivery_id=request.headers.get("X-Shopify-Webhook-Id", ""), body=body,
                                status="ignored", received_at=clock.now())  # fmt: skip
    return HttpResponse("ok")


urlpatterns = [path("bare-hook/", bare), *settle_patterns]
