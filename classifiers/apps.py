from django.apps import AppConfig

from limelight import moved_modules


class ClassifiersConfig(AppConfig):
    name = "classifiers"
    verbose_name = "Datasets and models"

    def ready(self) -> None:
        # Stored models and explainer states were pickled under the engine's old module paths.
        moved_modules.install()
