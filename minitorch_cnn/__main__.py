"""``python -m minitorch_cnn COMMAND``: see ``minitorch_cnn.cli``."""
import sys

from .cli import entry_point

sys.exit(entry_point())
