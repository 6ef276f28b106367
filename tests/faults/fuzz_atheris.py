"""Coverage-guided fuzzing of the webhook and signed_request parsers with atheris (local use).

    .venv/bin/pip install atheris
    .venv/bin/python tests/faults/fuzz_atheris.py -max_total_time=3600      # an hour
    .venv/bin/python tests/faults/fuzz_atheris.py corpus/ -max_total_time=3600  # keeps a corpus

Any exception other than the parsers' own refusals is a crash: atheris stops and writes the
input to crash-<sha1>. Replay one with `.venv/bin/python tests/faults/fuzz_atheris.py crash-...`.
The bounded CI run is the Hypothesis suite next to this file (test_fuzz_parsers.py).
"""

from __future__ import annotations

import hashlib
import hmac
import sys
import time
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports():  # the app's modules these import are instrumented too
    from app.services import signed_request, webhooks


SECRET = "fuzz-app-secret"


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 3)
    rest = fdp.ConsumeBytes(fdp.remaining_bytes())
    if mode == 0:  # a delivery body
        parsed = webhooks.parse_body(rest)
        if parsed is not None:
            webhooks.parse_entries(parsed)
    elif mode == 1:  # a signature header
        header = rest.decode("utf-8", "replace")
        webhooks.signature_valid(b"{}", header, [SECRET])
    elif mode == 2:  # a raw signed_request
        try:
            signed_request.parse_signed_request(
                rest.decode("utf-8", "replace"), [SECRET], max_age=300
            )
        except signed_request.SignedRequestError:
            pass
    else:  # a correctly signed payload of arbitrary bytes: reaches the JSON checks
        import base64

        encoded = base64.urlsafe_b64encode(rest).decode().rstrip("=")
        sig = hmac.new(SECRET.encode(), encoded.encode(), hashlib.sha256).digest()
        raw = base64.urlsafe_b64encode(sig).decode().rstrip("=") + "." + encoded
        try:
            payload = signed_request.parse_signed_request(
                raw, [SECRET], max_age=300, now=time.time()
            )
        except signed_request.SignedRequestError:
            return
        assert isinstance(payload["user_id"], str) and payload["user_id"]


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
