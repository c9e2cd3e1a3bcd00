from django.apps import AppConfig


class ClassifiersConfig(AppConfig):
    name = "classifiers"
    verbose_name = "Datasets and models"
