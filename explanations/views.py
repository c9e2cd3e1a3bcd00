from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from classifiers.selectors import model_for_user
from jobs.views import job_status_response

from . import presenters, selectors, services
from .forms import ExplainForm


@login_required
@require_POST
def explanation_request(request: HttpRequest, model_pk: int) -> HttpResponse:
    model = model_for_user(request.user, model_pk)
    form = ExplainForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("classifiers:model", pk=model.pk)
    data = form.cleaned_data
    try:
        explanation = services.explanation_request(
            model=model,
            row_index=data["row"],
            num_samples=data["num_samples"],
            num_features=data["num_features"],
            random_state=data["random_state"],
        )
    except services.RequestError as error:
        messages.error(request, str(error))
        return redirect("classifiers:model", pk=model.pk)
    return redirect("explanations:detail", pk=explanation.pk)


@login_required
def explanation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    explanation = selectors.explanation_for_user(request.user, pk)
    context = {"explanation": explanation, "job": explanation, "model": explanation.model}
    if explanation.succeeded:
        context["view"] = presenters.present(explanation)
    return render(request, "explanations/detail.html", context)


@login_required
def explanation_status(request: HttpRequest, pk: int) -> HttpResponse:
    return job_status_response(selectors.explanation_for_user(request.user, pk))


@login_required
def explanation_chart(request: HttpRequest, pk: int) -> HttpResponse:
    explanation = selectors.explanation_for_user(request.user, pk)
    path = presenters.chart_path(explanation)
    if path is None:
        raise Http404("No chart yet.")
    return FileResponse(path.open("rb"), content_type="image/svg+xml")
