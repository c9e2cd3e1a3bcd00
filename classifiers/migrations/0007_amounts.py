# Reserved for issue 25 (amounts: the task on a model); its helper fills in the operations (see /work/notes).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classifiers", "0006_dataset_row_label_and_sheet"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainedmodel",
            name="task",
            field=models.CharField(
                choices=[("classification", "a category"), ("regression", "an amount")],
                default="classification",
                help_text="What the model predicts: a category (classification) or an amount (regression).",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="trainedmodel",
            name="classifier",
            field=models.CharField(
                choices=[
                    ("logistic_regression", "Logistic regression"),
                    ("random_forest", "Random forest"),
                    ("gradient_boosting", "Gradient boosting"),
                    ("svm", "Support vector machine"),
                    ("knn", "Nearest neighbours"),
                    ("naive_bayes", "Naive Bayes"),
                    ("decision_tree", "Decision tree"),
                    ("mlp", "Neural network (MLP)"),
                    ("linear_regression", "Linear regression (ridge)"),
                ],
                max_length=32,
            ),
        ),
    ]
