"""Each kind's handlers: the functions its declaration in :mod:`classifiers.kinds` names by dotted path.

They use the models, forms, selectors and services, which is why a declaration names them
rather than importing them: the models import the registry for its vocabulary.
"""
