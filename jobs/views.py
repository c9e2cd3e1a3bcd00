from django.http import JsonResponse

from .models import Job


def job_status_response(job: Job) -> JsonResponse:
    """The JSON that static/js/progress.js polls while a job runs."""
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "finished": job.is_finished,
            "percent": job.progress_percent,
            "done": job.progress_done,
            "total": job.progress_total,
            "stage": job.stage,
            "message": job.message,
        },
        headers={"Cache-Control": "no-store"},
    )
