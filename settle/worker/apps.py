from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "settle.worker"
