"""The one error type for problems with what the user gave us.

The engine raises :class:`InputError` when the data or a setting cannot be
explained (a text with no words, a file that is not a table); its message is
a plain sentence for the person, shown as it is on the page and by the
command line (exit status 2). Any other exception is a bug: the job runner
shows a generic message with a job reference and logs the traceback.
"""


class InputError(ValueError):
    """A problem with the user's data or settings, phrased as one plain sentence for them."""
