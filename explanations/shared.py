"""Pages behind a share link: read-only, no login, nothing else of the owner's.

A link shows the explanation, the prediction and the columns the model used; which
row it is, its true value and the file's name only when the person sharing ticked
them (explanations.disclosure), and never a database id or a path on the server.

Every response under the link's prefix, a 404 included, says `X-Robots-Tag: noindex`
and `Referrer-Policy: no-referrer` (so the token does not leak to other sites through
the Referer header): explainer_site.middleware sets them.
"""

from collections.abc import Callable
from functools import wraps

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from classifiers.artifacts import model_picture
from classifiers.views import actual_predicted_response
from limelight.catalogue import CLASSIFIER_CARDS

from . import presenters, report_presenter, selectors
from .views import DIAGNOSTIC_CHARTS, IMAGE_PICTURES, diagnostic_response, exports_response, picture_response


def private_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view with the token's live link; for a dead token, a page of the site saying why, and nothing else.

    Stopped and expired links answer 404 like unknown ones (not 410 Gone): one status for
    every link that shows nothing, which is what the pictures and exports of a page still
    open elsewhere should get too. The words tell the reader which it is.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        try:
            link = selectors.share_link_active(token)
        except selectors.ShareLinkGone as gone:
            return link_gone(request, gone.reason)
        return view(request, link, *args, **kwargs)

    return wrapped


def link_gone(request: HttpRequest, reason: str) -> HttpResponse:
    # Only the reason reaches the template: no link, explanation or model, so nothing behind it can show.
    return render(request, "shared/link_gone.html", {"reason": reason}, status=404)


def _explanation_context(link) -> dict:
    explanation = link.explanation
    return {
        "link": link,
        "disclosure": link.disclosure,
        "explanation": explanation,
        "model": explanation.model,
        "view": presenters.present(explanation, link.disclosure),
        "chart_url": reverse("shared:chart", args=[link.token]),
        "overlay_url": reverse("shared:picture", args=[link.token, "overlay"]),
        "original_url": reverse("shared:picture", args=[link.token, "original"]),
        "picture_urls": {name: reverse("shared:picture", args=[link.token, name]) for name in IMAGE_PICTURES},
        "diagnostic_urls": {name: reverse("shared:diagnostic", args=[link.token, name]) for name in DIAGNOSTIC_CHARTS},
    }


@private_link
def shared_view(request: HttpRequest, link) -> HttpResponse:
    if link.explanation_id:
        return render(request, "shared/explanation.html", _explanation_context(link))
    if link.report_id:
        return render(request, "shared/report.html", _report_context(link))
    model = link.model
    context = {"link": link, "model": model, "card": CLASSIFIER_CARDS.get(model.classifier)}
    return render(request, "shared/model.html", context)


@private_link
def shared_present(request: HttpRequest, link) -> HttpResponse:
    if not link.explanation_id:
        raise Http404("Only explanations can be presented.")
    context = _explanation_context(link) | {"back_url": reverse("shared:view", args=[link.token])}
    return render(request, "explanations/present.html", context)


@private_link
def shared_chart(request: HttpRequest, link) -> HttpResponse:
    if not link.explanation_id:
        raise Http404("No chart.")
    path = presenters.chart_path(link.explanation)
    if path is None:
        raise Http404("No chart.")
    return FileResponse(path.open("rb"), content_type="image/svg+xml")


@private_link
def shared_picture(request: HttpRequest, link, which: str) -> HttpResponse:
    if not link.explanation_id:
        raise Http404("No picture.")
    return picture_response(link.explanation, which)


@private_link
def shared_diagnostic(request: HttpRequest, link, name: str) -> HttpResponse:
    if not link.explanation_id:
        raise Http404("No chart.")
    return diagnostic_response(link.explanation, name)


@private_link
def shared_confusion(request: HttpRequest, link) -> HttpResponse:
    model = link.model or (link.report or link.explanation).model
    path = model_picture(model, "confusion.svg")
    if path is None:
        raise Http404("No chart.")
    return FileResponse(path.open("rb"), content_type="image/svg+xml")


@private_link
def shared_actual_predicted(request: HttpRequest, link) -> HttpResponse:
    return actual_predicted_response(link.model or (link.report or link.explanation).model)


@private_link
def shared_export(request: HttpRequest, link, fmt: str) -> HttpResponse:
    if not link.explanation_id:
        raise Http404("Nothing to export.")

    def picture_url(name: str) -> str:
        return request.build_absolute_uri(reverse("shared:picture", args=[link.token, name]))

    return exports_response(
        link.explanation, fmt, stem="limelight-explanation", picture_url=picture_url, disclosure=link.disclosure
    )


def _report_context(link) -> dict:
    report = link.report
    return {
        "link": link,
        "disclosure": link.disclosure,
        "report": report,
        "model": report.model,
        "view": report_presenter.present(
            report,
            chart_url=lambda name: reverse("shared:report_chart", args=[link.token, name]),
            disclosure=link.disclosure,
        ),
        "download_url": reverse("shared:report_download", args=[link.token]),
    }


@private_link
def shared_report_chart(request: HttpRequest, link, name: str) -> HttpResponse:
    if not link.report_id:
        raise Http404("No chart.")
    return report_presenter.chart_response(link.report, name, link.disclosure)


@private_link
def shared_report_download(request: HttpRequest, link) -> HttpResponse:
    """The standalone report as the link shows it: drawn again from the document with only what the link discloses."""
    if not link.report_id:
        raise Http404("No report.")
    return report_presenter.download_response(link.report, report_presenter.shared_html(link.report, link.disclosure))


def gallery(request: HttpRequest) -> HttpResponse:
    """The instructor's demo gallery: shared demo results, open to everyone, each with a thumbnail."""
    items = [{"link": link, "thumbnail": _thumbnail(link)} for link in selectors.gallery_links()]
    return render(request, "shared/gallery.html", {"items": items})


def _thumbnail(link) -> str:
    """A small picture of what the link shows: the image's regions, the chart, or the model's confusion matrix."""
    if link.explanation_id is None:
        if link.model is not None and link.model.predicts_amount:  # an amount has no confusion matrix
            return reverse("shared:actual_predicted", args=[link.token])
        return reverse("shared:confusion", args=[link.token])
    if link.explanation.model.data_kind.pictures:
        return reverse("shared:picture", args=[link.token, "overlay"])
    if presenters.chart_path(link.explanation) is not None:
        return reverse("shared:chart", args=[link.token])
    return ""
