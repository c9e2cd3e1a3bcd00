"""Django-free pieces shared by the engine, the services, the worker and the command line."""
