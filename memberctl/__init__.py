"""memberctl: membership administration for small shops and chains."""

__version__ = "0.1.0"
