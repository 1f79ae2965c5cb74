"""Keys derived with BALLOT_SECRET: a ballot's key from its voter, a code's digest.

Kept apart from SECRET_KEY (see settings), so that fewer people can link ballots.
"""

import hashlib
import hmac

from django.conf import settings


def digest(text: str) -> str:
    return hmac.new(settings.BALLOT_SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()


def ballot_key(budget, *, user=None, code=None) -> str:
    """Return the key a voter's ballot is stored under: derived with BALLOT_SECRET."""
    who = f"user:{user.pk}" if user is not None else f"code:{code.pk}"
    return digest(f"ballot:{budget.pk}:{who}")
