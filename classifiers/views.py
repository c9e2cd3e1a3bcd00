from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jobs.views import job_status_response

from . import selectors, services
from .forms import TrainForm, UploadForm


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "classifiers/landing.html")
    return _home(request, UploadForm())


def _home(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "datasets": selectors.datasets_of(request.user),
        "models": selectors.models_of(request.user)[:20],
    }
    return render(request, "classifiers/home.html", context, status=status)


@login_required
@require_POST
def dataset_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            dataset = services.dataset_create(owner=request.user, upload=form.cleaned_data["file"])
        except services.UploadError as error:
            form.add_error("file", str(error))
        else:
            return redirect("classifiers:dataset", pk=dataset.pk)
    return _home(request, form, status=400)


@login_required
def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = selectors.dataset_for_user(request.user, pk)
    return _dataset_page(request, dataset, TrainForm(dataset=dataset))


def _dataset_page(request, dataset, form, status=200):
    columns, rows = selectors.dataset_preview(dataset)
    context = {
        "dataset": dataset,
        "profiles": services.dataset_profiles(dataset),
        "preview_columns": columns,
        "preview_rows": rows,
        "form": form,
        "models": dataset.models.all(),
    }
    return render(request, "classifiers/dataset_detail.html", context, status=status)


@login_required
@require_POST
def model_train(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = selectors.dataset_for_user(request.user, pk)
    form = TrainForm(request.POST, dataset=dataset)
    if form.is_valid():
        try:
            model = services.model_train_request(
                dataset=dataset,
                target=form.cleaned_data["target"],
                classifier=form.cleaned_data["classifier"],
            )
        except services.UploadError as error:
            form.add_error(None, str(error))
        else:
            return redirect("classifiers:model", pk=model.pk)
    return _dataset_page(request, dataset, form, status=400)


@login_required
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    model = selectors.model_for_user(request.user, pk)
    context = {"model": model, "job": model}
    if model.succeeded:
        try:
            page = int(request.GET.get("page", "1"))
        except ValueError:
            page = 1
        try:
            context["page"] = selectors.model_row_page(model, page)
        except services.JobError as error:
            context["artifact_error"] = str(error)
        context["explanations"] = model.explanations.all()[:10]
    return render(request, "classifiers/model_detail.html", context)


@login_required
def model_status(request: HttpRequest, pk: int) -> HttpResponse:
    return job_status_response(selectors.model_for_user(request.user, pk))
