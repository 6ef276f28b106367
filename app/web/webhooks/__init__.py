"""Meta's webhook callback for Instagram (`/webhooks/instagram`).

GET (Meta's verification) is a Flask view; POST (deliveries) is answered by the
`WebhookIngest` layer this blueprint installs in front of the app when it is registered.
"""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.record_once
def _install_ingest(state) -> None:
    from app.web.webhooks.ingest import WebhookIngest

    state.app.wsgi_app = WebhookIngest(state.app.wsgi_app, state.app)


from app.web.webhooks import views  # noqa: E402, F401
