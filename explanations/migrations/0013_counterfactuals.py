# Issue 26 (counterfactuals): "What would change it" and its settings.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0012_amounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="explanation",
            name="amount_goal",
            field=models.CharField(
                blank=True,
                default="",
                help_text="A model of amounts: bring it “above” or “below” amount_target.",
                max_length=5,
            ),
        ),
        migrations.AddField(
            model_name="explanation",
            name="amount_target",
            field=models.FloatField(blank=True, help_text="Empty: the prediction ± the model's band.", null=True),
        ),
        migrations.AddField(
            model_name="explanation",
            name="counterfactual_count",
            field=models.PositiveSmallIntegerField(default=3, help_text="How many different ways to find."),
        ),
        migrations.AddField(
            model_name="explanation",
            name="desired_label",
            field=models.IntegerField(
                blank=True, help_text="The class to reach; empty: the likeliest other class.", null=True
            ),
        ),
        migrations.AddField(
            model_name="explanation",
            name="fixed_columns",
            field=models.JSONField(blank=True, default=list, help_text="Columns that cannot change."),
        ),
        migrations.AddField(
            model_name="explanation",
            name="value_ranges",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Number column -> [lowest, highest] a change may reach (null: the data's).",
            ),
        ),
        migrations.AlterField(
            model_name="explanation",
            name="explainer",
            field=models.CharField(
                choices=[
                    ("lime", "LIME feature weights"),
                    ("anchor", "Anchors if-then rule"),
                    ("shap", "KernelSHAP values"),
                    ("counterfactual", "What would change it"),
                ],
                default="lime",
                max_length=16,
            ),
        ),
    ]
