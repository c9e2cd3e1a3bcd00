# Issue 27 (the whole model at a glance): the report job, and share links to a report.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0013_counterfactuals"),
    ]

    operations = [
        migrations.CreateModel(
            name="ModelReport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Waiting for a worker"),
                            ("running", "Working"),
                            ("succeeded", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=16,
                    ),
                ),
                ("progress_done", models.PositiveIntegerField(default=0)),
                ("progress_total", models.PositiveIntegerField(default=0)),
                ("stage", models.CharField(blank=True, max_length=200)),
                ("message", models.TextField(blank=True, help_text="Shown to the user: why it failed or waits.")),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("enqueued_at", models.DateTimeField(blank=True, null=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "sensitive",
                    models.CharField(
                        blank=True,
                        help_text="The column whose groups the fairness check compares; empty: none.",
                        max_length=500,
                    ),
                ),
                ("random_state", models.IntegerField(default=0)),
                (
                    "inputs",
                    models.CharField(
                        blank=True,
                        help_text="The finished explanations and trust checks it read, as counts and ids.",
                        max_length=200,
                    ),
                ),
                ("result", models.JSONField(default=dict, help_text="The overview's document (limelight.overview).")),
                ("charts", models.JSONField(default=dict, help_text="Chart name -> its name in the storage.")),
                (
                    "report",
                    models.CharField(blank=True, help_text="The standalone HTML report, in the storage.", max_length=300),
                ),
                (
                    "model",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reports",
                        to="classifiers.trainedmodel",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="sharelink",
            name="share_link_has_one_target",
        ),
        migrations.AddField(
            model_name="sharelink",
            name="report",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="share_links",
                to="explanations.modelreport",
            ),
        ),
        migrations.AddConstraint(
            model_name="sharelink",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("explanation__isnull", False), ("model__isnull", True), ("report__isnull", True)),
                    models.Q(("explanation__isnull", True), ("model__isnull", False), ("report__isnull", True)),
                    models.Q(("explanation__isnull", True), ("model__isnull", True), ("report__isnull", False)),
                    _connector="OR",
                ),
                name="share_link_has_one_target",
            ),
        ),
    ]
