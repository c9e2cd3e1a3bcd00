# Limelight application image: the same image runs the web server, the Celery
# worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    DATA_DIR=/data

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Run as an unprivileged user; /data belongs to it. With a bucket (docker-compose.yml) /data is
# this container's own scratch (downloaded files, bounded; beat's schedule) and shared with
# no other container; without one it holds the files themselves, so mount a volume there.
RUN useradd --create-home --uid 1000 limelight \
    && mkdir -p /data \
    && chown limelight:limelight /data
USER limelight
# The image network in INT8 (limelight/images/quantised.py), made here once from drawn images and
# kept in the user's cache, so no worker spends its first explanation quantising it.
RUN python -c "from limelight.images.network import network; network()"

EXPOSE 8000
CMD ["gunicorn", "explainer_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--access-logfile", "-"]
