"""The PDF engine: prepare the blank, write values with their appearances, read them back."""
