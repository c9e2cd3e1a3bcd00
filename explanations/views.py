from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from classifiers.selectors import model_for_user
from classifiers.services import dataset_frame
from jobs.views import job_status_response

from . import presenters, selectors, services
from .forms import CustomValuesForm, ExplainForm


@login_required
@require_POST
def explanation_request(request: HttpRequest, model_pk: int) -> HttpResponse:
    model = model_for_user(request.user, model_pk)
    form = ExplainForm(request.POST, model=model)
    if not form.is_valid() or form.cleaned_data["row"] is None:
        messages.error(request, _form_errors(form) or "Choose a row to explain.")
        return redirect("classifiers:model", pk=model.pk)
    try:
        explanation = services.explanation_request(
            model=model, row_index=form.cleaned_data["row"], **form.options()
        )
    except services.RequestError as error:
        messages.error(request, str(error))
        return redirect("classifiers:model", pk=model.pk)
    return redirect("explanations:detail", pk=explanation.pk)


def _form_errors(form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {error}".lstrip(": ")
        for name, errors in form.errors.items()
        for error in errors
    )


@login_required
def explanation_what_if(request: HttpRequest, model_pk: int) -> HttpResponse:
    """A form with one field per column: explain values the person types in."""
    model = model_for_user(request.user, model_pk)
    if not model.succeeded:
        raise Http404("This model is not ready.")
    start = None
    if request.method == "GET" and request.GET.get("from", "").isdigit():
        row = int(request.GET["from"])
        frame = dataset_frame(model.dataset)
        if row < len(frame):
            start = {name: frame.iloc[row][name] for name in model.features}
            start = {name: (None if value != value else value) for name, value in start.items()}  # NaN
    values_form = CustomValuesForm(request.POST or None, model=model, start=start)
    explain_form = ExplainForm(request.POST or None, model=model)
    if request.method == "POST" and values_form.is_valid() and explain_form.is_valid():
        try:
            explanation = services.explanation_request(
                model=model, custom_values=values_form.values(), **explain_form.options()
            )
        except services.RequestError as error:
            values_form.add_error(None, str(error))
        else:
            return redirect("explanations:detail", pk=explanation.pk)
    context = {"model": model, "values_form": values_form, "explain_form": explain_form}
    return render(request, "explanations/what_if.html", context, status=400 if values_form.errors else 200)


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
