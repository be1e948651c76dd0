"""casebook: calm, consistent, provable debt collection in plain text and git."""

__version__ = "0.1.0"
