"""``python -m dealstudy``: the command line (the same as the ``dealstudy`` command)."""

from dealstudy.cli import entry

if __name__ == "__main__":
    entry()
