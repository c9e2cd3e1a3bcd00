from django.contrib.auth.models import AbstractBaseUser
from django.shortcuts import get_object_or_404

from .models import Explanation


def explanation_for_user(user: AbstractBaseUser, pk: int) -> Explanation:
    """The user's explanation, or 404 for anyone else's."""
    return get_object_or_404(
        Explanation.objects.select_related("model__dataset"), pk=pk, model__dataset__owner=user
    )
